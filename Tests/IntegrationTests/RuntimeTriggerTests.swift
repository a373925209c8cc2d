import Foundation
import HeapProfTestSupport
import XCTest

/// Dumps triggered by time (HEAPPROF_INTERVAL) and in-use growth
/// (HEAPPROF_INUSE_INTERVAL), and the handling of bad HEAPPROF_* values.
final class RuntimeTriggerTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("trigger")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  private func reasons(_ dumps: [String]) throws -> [String] {
    try dumps.map { try RuntimeHarness.load($0).meta["reason"] ?? "?" }
  }

  func testInuseGrowthDumps() throws {
    let program = try RuntimeHarness.compile("growing.c", into: dir)
    // 8 x 1 MiB, 400 ms apart; a dump each time in-use grew by 2.5 MiB since the last
    // dump: after the 3rd and the 6th block (the dumper polls every 100 ms).
    let r = try RuntimeHarness.run(
      program, ["1048576", "400", "8"], prefix: dir.appendingPathComponent("g").path,
      env: ["HEAPPROF_INUSE_INTERVAL": "2621440"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(try reasons(dumps), ["inuse", "inuse", "exit"])
    let last = try RuntimeHarness.load(try XCTUnwrap(dumps.last))
    let symbols = try ProgramSymbols(program: program, dump: last)
    let live = try dumps.map { RuntimeHarness.totals(try RuntimeHarness.load($0), symbols, leaf: "grow_step") }
    XCTAssertEqual(live, [[3, 3 << 20, 3, 3 << 20], [6, 6 << 20, 6, 6 << 20], [8, 8 << 20, 8, 8 << 20]])
  }

  func testIntervalDumps() throws {
    let program = try RuntimeHarness.compile("growing.c", into: dir)
    // Runs about 2.6 s; a dump every second.
    let r = try RuntimeHarness.run(
      program, ["100", "130", "20"], prefix: dir.appendingPathComponent("i").path,
      env: ["HEAPPROF_INTERVAL": "1"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(try reasons(dumps), ["interval", "interval", "exit"])
    XCTAssertEqual(try dumps.map { try RuntimeHarness.load($0).meta["seq"] ?? "" }, ["1", "2", "3"])
  }

  func testNoExitDumpWhenAtExitIsZero() throws {
    let program = try RuntimeHarness.compile("exitcode.c", into: dir)
    let r = try RuntimeHarness.run(
      program, prefix: dir.appendingPathComponent("n").path, env: ["HEAPPROF_AT_EXIT": "0"])
    XCTAssertEqual([r.stdout, r.stderr], ["hello\n", ""])
    XCTAssertEqual(try RuntimeHarness.dumps(in: dir), [])
  }

  func testBadValueSaysOneLineAndUsesTheDefault() throws {
    let program = try RuntimeHarness.compile("exitcode.c", into: dir)
    let r = try RuntimeHarness.run(
      program, prefix: dir.appendingPathComponent("b").path, env: ["HEAPPROF_SAMPLE_RATE": "often"])
    XCTAssertEqual(r.status, 3)
    XCTAssertEqual(r.stdout, "hello\n")
    XCTAssertEqual(
      r.stderr,
      "heapprof: HEAPPROF_SAMPLE_RATE='often' is not a size (4096, 512KiB, 1M...); using 0 (every allocation)\n")
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 1)
    XCTAssertEqual(try RuntimeHarness.load(dumps[0]).sampleRate, 0)
  }
}
