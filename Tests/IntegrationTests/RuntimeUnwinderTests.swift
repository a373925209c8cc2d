import Foundation
import HeapProfTestSupport
import XCTest

/// Which unwinder the runtime used: HEAPPROF_FP_WALK reaches it, through the harness and
/// through `heapprof record`, and stacks_unwound says what it did.
///
/// tools/test runs the Runtime*, Record* and Stress classes a second time with
/// HEAPPROF_FP_WALK=0 exported; the harnesses (RuntimeHarness.run, Products.heapprof,
/// tools/stress) pass that variable on to the programs they run. The tests below that take
/// the variable from this process prove, in each run, that the runtime really ran in
/// that run's mode.
final class RuntimeUnwinderTests: XCTestCase {
  /// This test run's mode: HEAPPROF_FP_WALK=0 in the environment turns the walk off.
  static var walkOff: Bool { ProcessInfo.processInfo.environment["HEAPPROF_FP_WALK"] == "0" }

  /// Compiles Programs/unwinder.c into a fresh directory.
  func program() throws -> (program: String, dir: URL) {
    let dir = try RuntimeHarness.temporaryDirectory("unwinder")
    let include = packageRoot().appendingPathComponent("Sources/CHeapProfAPI/include").path
    return (try RuntimeHarness.compile("unwinder.c", into: dir, extra: ["-I", include]), dir)
  }

  /// Checks unwinder's line: 1000 allocations, and 1000 (walk off) or 1 (walk on, only the
  /// first sight of the stack) of them unwound by libunwind.
  func check(_ r: ProgramResult, walkOff: Bool, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    XCTAssertEqual(r.stdout, "allocs=1000 unwound=\(walkOff ? 1000 : 1) dropped=0\n", file: file, line: line)
  }

  func testStacksComeFromTheUnwinderThisTestRunChose() throws {
    let (program, dir) = try program()
    defer { try? FileManager.default.removeItem(at: dir) }
    check(try RuntimeHarness.run(program, prefix: dir.appendingPathComponent("u").path), walkOff: Self.walkOff)
  }

  func testRecordRunsTheProgramWithTheUnwinderThisTestRunChose() throws {
    let (program, dir) = try program()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Products.heapprof(["record", "-o", dir.appendingPathComponent("r").path, "--", program])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "allocs=1000 unwound=\(Self.walkOff ? 1000 : 1) dropped=0\n")
  }

  func testWalkOffAsksLibunwindForEveryStackAndWalkOnOnlyOnce() throws {
    let (program, dir) = try program()
    defer { try? FileManager.default.removeItem(at: dir) }
    for (value, off) in [("0", true), ("1", false)] {
      let r = try RuntimeHarness.run(
        program, prefix: dir.appendingPathComponent("v\(value)").path, env: ["HEAPPROF_FP_WALK": value])
      check(r, walkOff: off)
    }
  }
}
