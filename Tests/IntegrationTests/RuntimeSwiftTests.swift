import Foundation
import HeapProfTestSupport
import XCTest

/// A Swift program under libheapprof.so: class instances and Dictionary storage appear
/// under the program's own Swift frames.
final class RuntimeSwiftTests: XCTestCase {
  func testSwiftAllocationsAreAttributedToSwiftFrames() throws {
    let dir = try RuntimeHarness.temporaryDirectory("swift")
    defer { try? FileManager.default.removeItem(at: dir) }
    let swiftc = try XCTUnwrap(
      which("swiftc")
        ?? (FileManager.default.fileExists(atPath: "/opt/swift/usr/bin/swiftc") ? "/opt/swift/usr/bin/swiftc" : nil))
    let program = dir.appendingPathComponent("swiftcache").path
    let source = try RuntimeHarness.programSource("swiftcache.swift", into: dir).path
    let build = try runProgram(swiftc, ["-g", "-Onone", "-o", program, source])
    XCTAssertEqual(build.status, 0, build.stderr)
    let r = try RuntimeHarness.run(program, prefix: dir.appendingPathComponent("s").path)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "entries 1000\n")
    let dump = try RuntimeHarness.load(try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first))
    let symbols = try ProgramSymbols(program: program, dump: dump)
    /// The first frame, from the leaf, that lies in the program.
    func firstProgramFrame(_ line: HeapDump.Line) -> String? { symbols.names(line.frames).compactMap { $0 }.first }
    func passesThroughMakeCache(_ line: HeapDump.Line) -> Bool {
      symbols.names(line.frames).contains { $0?.hasPrefix("$s10swiftcache9makeCache") == true }
    }
    // 1000 Payload instances (16-byte header + one Int), all alive, allocated by the
    // program's Payload initializer called from makeCache.
    let payloads = dump.lines.filter { $0.inuseCount == 1000 && $0.allocCount == 1000 }
    XCTAssertEqual(
      payloads.count, 1, payloads.map { "\($0.inuseBytes) \(symbols.names($0.frames))" }.joined(separator: "\n"))
    if let line = payloads.first {
      XCTAssertEqual(line.inuseBytes, 24_000)
      XCTAssertEqual(
        firstProgramFrame(line).map { $0.hasPrefix("$s10swiftcache7PayloadC") }, true, "\(symbols.names(line.frames))")
      XCTAssertTrue(passesThroughMakeCache(line))
    }
    // The Dictionary storage: one live block big enough for 1000 keys and values (16 bytes
    // each), after 10 resizes (capacities 1, 3, 6, 12 ... 1536: 11 storages).
    let storage = dump.lines.filter { passesThroughMakeCache($0) && $0.inuseCount == 1 && $0.inuseBytes > 1000 * 16 }
    XCTAssertEqual(storage.count, 1)
    if let line = storage.first {
      XCTAssertEqual(line.allocCount, 11)
      XCTAssertEqual(firstProgramFrame(line).map { $0.hasPrefix("$s") }, true, "\(symbols.names(line.frames))")
    }
  }
}
