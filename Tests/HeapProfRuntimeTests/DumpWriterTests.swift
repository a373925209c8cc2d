import Foundation
import HeapProfRuntime
import XCTest

/// The gperftools legacy text writer and the numbered, never-overwriting file names.
final class DumpWriterTests: XCTestCase {
  private var arena: OpaquePointer!
  private var recorder: OpaquePointer!
  private var dir: URL!

  override func setUpWithError() throws {
    arena = try XCTUnwrap(hp_arena_create(0, 0))
    recorder = try XCTUnwrap(hp_recorder_create(arena, 8, 2, 16))
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("hp-dump-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/example\n"
      .write(to: dir.appendingPathComponent("maps"), atomically: true, encoding: .utf8)
    // Site 0: 10 x 100 bytes, 4 freed. Site 1: 1 x 4096. Site 2: 2 x 8, both freed.
    // Site 3: 3 x 200 (same in-use bytes as site 0: sorted after it by id).
    var next: UInt = 0x10000
    func record(_ count: Int, _ size: UInt64, _ frames: [UInt], freeing: Int) {
      var ptrs = [UInt]()
      for _ in 0..<count {
        frames.withUnsafeBufferPointer {
          _ = hp_recorder_alloc(recorder, next, size, $0.baseAddress, Int32($0.count), HP_STACK_NONE)
        }
        ptrs.append(next)
        next += 16
      }
      for p in ptrs.prefix(freeing) { _ = hp_recorder_free(recorder, p, nil) }
    }
    record(10, 100, [0x401234, 0x400100], freeing: 4)
    record(1, 4096, [0x405000], freeing: 0)
    record(2, 8, [0x406000, 0x400100], freeing: 2)
    record(3, 200, [0x407000], freeing: 0)
  }

  override func tearDownWithError() throws {
    hp_recorder_destroy(recorder)
    XCTAssertEqual(hp_arena_live_blocks(arena), 0, "dumps give their scratch blocks back")
    hp_arena_release(arena)
    try? FileManager.default.removeItem(at: dir)
  }

  private func info(_ body: (inout hp_dump_info) -> Void) -> String {
    let maps = dir.appendingPathComponent("maps").path
    return maps.withCString { mapsPath in
      "unit test".withCString { reason in
        "/usr/bin/example".withCString { program in
          var i = hp_dump_info(
            pid: 4242, seq: 7, time_ns: 1_700_000_000_000_000_000, reason: reason,
            sample_rate: 0, max_depth: 64, program: program, session: nil, maps_path: mapsPath, build_ids: 0)
          body(&i)
          return ""
        }
      }
    }
  }

  private func write(sampleRate: UInt64 = 0) throws -> (String, hp_dump_totals) {
    let path = dir.appendingPathComponent("out.heap").path
    var totals = hp_dump_totals()
    var rc: Int32 = -1
    _ = info { i in
      i.sample_rate = sampleRate
      let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      rc = hp_dump_write_fd(hp_recorder_sites(recorder), arena, fd, &i, &totals)
      close(fd)
    }
    XCTAssertEqual(rc, 0)
    return (try String(contentsOfFile: path, encoding: .utf8), totals)
  }

  func testExactText() throws {
    let (text, totals) = try write()
    XCTAssertEqual(
      text,
      """
      heap profile:     10:     5296 [    16:     5712] @ heapprofile
           1:     4096 [     1:     4096] @ 0x0000000000405000
           6:      600 [    10:     1000] @ 0x0000000000401234 0x0000000000400100
           3:      600 [     3:      600] @ 0x0000000000407000
           0:        0 [     2:       16] @ 0x0000000000406000 0x0000000000400100
      # heapprof: version=1 pid=4242 seq=7 time_ns=1700000000000000000 reason=unit_test sample_rate=0 max_depth=64 program=/usr/bin/example

      MAPPED_LIBRARIES:
      00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/example

      """)
    XCTAssertEqual(
      [totals.inuse_count, totals.inuse_bytes, totals.alloc_count, totals.alloc_bytes, totals.lines],
      [10, 5296, 16, 5712, 4])
  }

  func testSampledHeader() throws {
    let (text, _) = try write(sampleRate: 524288)
    XCTAssertTrue(text.hasPrefix("heap profile:     10:     5296 [    16:     5712] @ heap_v2/524288\n"))
    XCTAssertTrue(text.contains(" sample_rate=524288 "))
  }

  func testNumberedDumpsSkipExistingFilesAndLeaveNoTemporaries() throws {
    let prefix = dir.appendingPathComponent("p").path
    try "keep me".write(toFile: prefix + ".4242.0002.heap", atomically: true, encoding: .utf8)
    var seq: UInt32 = 0
    var written = [String]()
    for _ in 0..<3 {
      var pathOut = [CChar](repeating: 0, count: 4096)
      var rc: Int32 = -1
      _ = info { i in
        rc = hp_dump_write_numbered(hp_recorder_sites(recorder), arena, prefix, &i, &seq, &pathOut, 4096, nil)
      }
      XCTAssertEqual(rc, 0)
      written.append(String(cString: pathOut))
    }
    XCTAssertEqual(
      written, ["p.4242.0001.heap", "p.4242.0003.heap", "p.4242.0004.heap"].map { dir.appendingPathComponent($0).path })
    XCTAssertEqual(seq, 4)
    XCTAssertEqual(try String(contentsOfFile: prefix + ".4242.0002.heap", encoding: .utf8), "keep me")
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    XCTAssertEqual(names, ["maps", "p.4242.0001.heap", "p.4242.0002.heap", "p.4242.0003.heap", "p.4242.0004.heap"])
    let third = try String(contentsOfFile: written[2], encoding: .utf8)
    XCTAssertTrue(third.contains(" seq=4 "))
  }

  func testUnwritablePrefixFailsWithThePath() throws {
    var seq: UInt32 = 0
    var pathOut = [CChar](repeating: 0, count: 4096)
    var rc: Int32 = 0
    _ = info { i in
      rc = hp_dump_write_numbered(
        hp_recorder_sites(recorder), arena, "/nonexistent/dir/p", &i, &seq, &pathOut, 4096, nil)
    }
    XCTAssertEqual(rc, -ENOENT)
    XCTAssertEqual(String(cString: pathOut), "/nonexistent/dir/p.4242.0001.heap")
    XCTAssertEqual(seq, 0)
  }

  func testPathFormat() {
    var buffer = [CChar](repeating: 0, count: 64)
    XCTAssertEqual(hp_dump_path(&buffer, 64, "/t/x", 17, 3), 17)
    XCTAssertEqual(String(cString: buffer), "/t/x.17.0003.heap")
    _ = hp_dump_path(&buffer, 64, "x", 1, 12345)
    XCTAssertEqual(String(cString: buffer), "x.1.12345.heap")
  }
}
