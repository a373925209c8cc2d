import Foundation
import HeapProfTestSupport
import XCTest

/// The reduced stress and fault suite of the runtime (`tools/stress --quick`, issue 6 §1-2),
/// so that every `tools/test` run checks threads, fork, exec, dlopen, 100 SIGUSR2 dumps,
/// realloc chains, huge and zero sizes, malloc failure, deep stacks and dump faults (removed
/// directory, full and read-only file systems, a slow writer, a kill mid-dump).
final class StressTests: XCTestCase {
  func testQuickStressSuitePasses() throws {
    let root = packageRoot()
    let r = try runProgram(
      root.appendingPathComponent("tools/stress").path, ["--quick"],
      environment: ["HEAPPROF_RUNTIME": try RuntimeHarness.runtimeLibrary()],
      currentDirectory: root)
    XCTAssertEqual(r.status, 0, "tools/stress --quick failed:\n\(r.stdout)\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "17 passed, 0 failed", r.stdout)
    // The stress programs run in this test run's mode (tools/test's second run: walk off).
    XCTAssertEqual(
      lines.first,
      RuntimeUnwinderTests.walkOff
        ? "stacks: libunwind only (HEAPPROF_FP_WALK=0)" : "stacks: frame-pointer walk, verified by libunwind")
    XCTAssertEqual(r.stderr, "")
  }
}
