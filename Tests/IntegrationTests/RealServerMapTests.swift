import Foundation
import HeapProfTestSupport
import XCTest

/// `maps` and `growth` on a C server we did not write: Debian's redis-server, recorded by
/// `heapprof record`, filled and emptied through `redis-cli`. redis allocates through its
/// own wrappers (`zmalloc`, `zcalloc`, `zmalloc_usable`) and keeps keys in its own hash
/// table (`dict.c`), so this is where the analysis must look past wrappers and know a C map.
final class RealServerMapTests: XCTestCase {
  private var dir: URL!
  private var socket: String { dir.appendingPathComponent("redis.sock").path }

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("redis")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  /// Sends `commands` (one per line) to the server and fails on an error reply.
  private func send(_ commands: [String], file: StaticString = #filePath, line: UInt = #line) throws {
    let input = dir.appendingPathComponent("commands.txt")
    try commands.joined(separator: "\n").appending("\n").write(to: input, atomically: true, encoding: .utf8)
    let r = try runProgram("/bin/sh", ["-c", "redis-cli -s '\(socket)' < '\(input.path)' | sort | uniq -c"])
    XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    XCTAssertFalse(r.stdout.contains("ERR"), r.stdout, file: file, line: line)
  }

  func testRedisKeyspaceIsARedisDictOwnedByDbAddWithItsOccupancy() throws {
    let redis = try XCTUnwrap(which("redis-server"), "tools/install-deps installs redis-server")
    let cli = try XCTUnwrap(which("redis-cli"), "tools/install-deps installs redis-tools")
    let prefix = dir.appendingPathComponent("r").path
    let recorder = try Products.heapprofInBackground([
      "record", "-o", prefix, "--", redis, "--port", "0", "--unixsocket", socket, "--save", "",
      "--appendonly", "no",
    ])
    let pid = try recorder.waitFor("^heapprof: recording ([0-9]+) ", inStderr: true)
    var ready = false
    for _ in 0..<200 where !ready {
      ready = (try? runProgram(cli, ["-s", socket, "ping"]))?.stdout == "PONG\n"
      if !ready { usleep(50_000) }
    }
    XCTAssertTrue(ready, "redis-server did not answer on \(socket):\n\(recorder.stdout)\n\(recorder.stderr)")
    func snapshot() throws {
      let r = try Products.heapprof(["snapshot", pid])
      XCTAssertEqual(r.status, 0, r.stderr)
    }
    // Three rounds of 20,000 SETs of distinct keys, a snapshot after each; then 50,000 DELs.
    for round in 0..<3 {
      try send((1...20_000).map { "SET key:\(round * 20_000 + $0) value-\($0)" })
      try snapshot()
    }
    try send((10_001...60_000).map { "DEL key:\($0)" })
    try snapshot()
    XCTAssertEqual(kill(recorder.pid, SIGTERM), 0)
    _ = recorder.wait()
    let dumps = (1...4).map { "\(prefix).\(pid).000\($0).heap" }
    for d in dumps { XCTAssertTrue(FileManager.default.fileExists(atPath: d), "\(d)\n\(recorder.stderr)") }

    // 60,000 keys: one dictEntry node each, in a table of 65,536 (2^16) bucket pointers.
    let full = try Products.heapprof(["maps", dumps[2]])
    XCTAssertEqual(full.status, 0, full.stderr)
    XCTAssertTrue(full.stdout.contains("\n1. redis dict owned by dbAdd\n"), full.stdout)
    XCTAssertTrue(
      full.stdout.contains("  table:    1 live table, capacity 65536 buckets; 60000 live entries (92% occupied)"),
      full.stdout)
    XCTAssertTrue(
      full.stdout.contains("* grows and never shrinks: redis dict in dbAdd: all 60000 entry objects"), full.stdout)

    // 10,000 keys left: redis shrinks a dict only below 10% fill, so the table stays.
    let emptied = try Products.heapprof(["maps", dumps[3]])
    XCTAssertTrue(
      emptied.stdout.contains("  table:    1 live table, capacity 65536 buckets; 10000 live entries (15% occupied)"),
      emptied.stdout)
    XCTAssertTrue(
      emptied.stdout.contains(
        "* mostly empty table: redis dict in dbAdd: capacity 65536 buckets (512kB of table), 10000 live entries — 84% of the table is empty"
      ), emptied.stdout)

    // Growth names the keyspace, not the allocation wrapper; no headline names zmalloc.
    let growth = try Products.heapprof(["growth", dumps[0], dumps[1], dumps[2]])
    XCTAssertEqual(growth.status, 0, growth.stderr)
    XCTAssertTrue(
      growth.stdout.contains("LEAK SUSPECT 1: cache without eviction — redis dict in dbAdd\n"), growth.stdout)
    let headlines = growth.stdout.split(separator: "\n").filter {
      $0.hasPrefix("LEAK SUSPECT") || $0.hasPrefix("  ") && $0.contains(": ") && !$0.hasPrefix("   ")
    }
    XCTAssertFalse(headlines.contains { $0.contains("zmalloc") || $0.contains("zcalloc") }, growth.stdout)

    // --keep-frames brings the wrapper back as the allocating function.
    let kept = try Products.heapprof(["growth", "--keep-frames", "zmalloc.*|zcalloc", dumps[0], dumps[1], dumps[2]])
    XCTAssertEqual(kept.status, 0, kept.stderr)
    XCTAssertTrue(kept.stdout.contains("— zmalloc\n") || kept.stdout.contains("  zmalloc: "), kept.stdout)
  }
}
