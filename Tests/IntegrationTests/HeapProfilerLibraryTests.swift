import Foundation
import HeapProfTestSupport
import XCTest

/// The in-process library as a program uses it: `HeapProfiler` alone links none of the
/// analyzer's libraries, and its calls do what they say under the real runtime.
final class HeapProfilerLibraryTests: XCTestCase {
  func testHeapProfilerLinksNothingOfTheAnalyzer() throws {
    let program = try Products.path("control-example")
    let needed = try runProgram("/usr/bin/readelf", ["-d", program]).stdout
    for library in ["libz.so", "libdw.so", "libelf.so", "libstdc++"] {
      XCTAssertFalse(needed.contains(library), "\(library) in\n\(needed)")
    }
    // Swift mangles a module name with its length: `11HeapProfile` is that module, not
    // `12HeapProfiler`.
    let symbols = try runProgram("/usr/bin/nm", [program]).stdout
    for module in [
      "13SwiftProtobuf", "11HeapProfile", "13Symbolization", "16HeapLeakAnalysis", "11HeapReports", "dwfl_", "inflate",
    ] {
      XCTAssertFalse(symbols.contains(module), "\(module) is linked into a program that imports only HeapProfiler")
    }
    XCTAssertTrue(symbols.contains("12HeapProfiler"))
    // The leak-check library, by contrast, does carry the analyzer.
    let leakCheck = try runProgram("/usr/bin/nm", [try Products.path("leak-check-example")]).stdout
    XCTAssertTrue(leakCheck.contains("16HeapLeakAnalysis") && leakCheck.contains("13Symbolization"))
  }

  func testDumpPauseAndStatsUnderTheRuntime() throws {
    let dir = try RuntimeHarness.temporaryDirectory("control")
    defer { try? FileManager.default.removeItem(at: dir) }
    let prefix = dir.appendingPathComponent("c").path
    let r = try Products.heapprof(["record", "-o", prefix, try Products.path("control-example")])
    XCTAssertEqual(r.status, 0, r.stderr)
    let lines = r.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, 2, r.stdout)
    XCTAssertTrue(lines[0].hasPrefix("dump: \(prefix)."), r.stdout)
    XCTAssertEqual(lines[1], "stats: dumps=1 dropped=0")
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 2)
    let checkpoint = try RuntimeHarness.load(dumps[0])
    let exit = try RuntimeHarness.load(dumps[1])
    XCTAssertEqual([checkpoint.meta["reason"], exit.meta["reason"]], ["checkpoint", "exit"])
    // keepBlocks' arrays (1000 bytes of elements plus Swift's 32-byte array header): 100
    // recorded before the checkpoint; the 50 made while paused are not recorded at all.
    let arrays = { (d: HeapDump) in
      d.lines.filter { $0.inuseCount > 0 && $0.inuseBytes == $0.inuseCount * 1032 }.reduce(0) { $0 + $1.inuseCount }
    }
    XCTAssertEqual(arrays(checkpoint), 100)
    XCTAssertEqual(arrays(exit), 100, "nothing recorded while paused")
  }
}
