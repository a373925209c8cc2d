import Foundation
import HeapProfTestSupport
import HeapProfile
import XCTest

@testable import HeapReports

/// Reports on hand-built profiles with Swift names: exact text written out here, goldens
/// for heapprof's own layouts, and the same profile written as protobuf and fed to
/// `go tool pprof`, whose output heapprof must reproduce byte for byte.
final class HandBuiltReportTests: XCTestCase {
  override func setUp() {
    setenv("TZ", "UTC", 1)
    tzset()
  }

  let p = HandBuiltProfiles.cacheService
  let inuseSpace = 3

  /// Every number below is summed by hand from `HandBuiltProfiles.cacheService`.
  func testTopInuseSpaceExactText() {
    let text = TopReport.render(p, options: ReportOptions(sampleIndex: inuseSpace))
    // total = 1024000 + 2097152 + 0 + 4096 + 64 + 100 + 24576 = 3149988 B (3.00MB).
    // Node cutoff 0.5%: 15749 B (0.02MB) drops Logger.log (64 B) and [libfoo.so] (100 B).
    // Edge cutoff 0.1%: 3149 B keeps main → HeavyObject.init (4096 B, not inlined) next
    // to the inlined Cache.store → HeavyObject.init: partial-inline.
    // HeavyObject.init flat = 1024000 + 4096 + 24576 = 1052672 (33.42%); the resize
    // 2097152 (66.58%); Cache.store cum = 1024000 + 2097152 + 24576 = 3145728 (99.865%);
    // handle and the closure add Logger's 64 B: 3145792 (99.867%). The unit is the smallest
    // node's (1MB) as it is not under 1% of the total.
    XCTAssertEqual(
      text,
      """
      File: cache-leak
      Build ID: 4f2a9c
      heapprof dump 3 of pid 4242
      Type: inuse_space
      Time: 2023-11-14 22:13:20 UTC
      Showing nodes accounting for 3MB, 100% of 3MB total
      Dropped 2 nodes (cum <= 0.02MB)
            flat  flat%   sum%        cum   cum%
             2MB 66.58% 66.58%        2MB 66.58%  generic specialization <Swift.String, CacheLeakDemo.HeavyObject> of Swift._NativeDictionary._copyOrMoveAndResize(capacity: Swift.Int, moveElements: Swift.Bool) -> ()
             1MB 33.42%   100%        1MB 33.42%  CacheLeakDemo.HeavyObject.init(payload: Swift.Int) -> CacheLeakDemo.HeavyObject (partial-inline)
               0     0%   100%        3MB 99.86%  CacheLeakDemo.Cache.store(_: CacheLeakDemo.HeavyObject, for: Swift.String) -> ()
               0     0%   100%        3MB 99.87%  CacheLeakDemo.Service.handle(request: Swift.Int) -> Swift.String
               0     0%   100%        3MB 99.87%  closure #1 (Swift.Int) -> () in CacheLeakDemo.main()
               0     0%   100%        3MB   100%  main

      """)
  }

  func testMeasurementMatchesPprof() {
    // Expected strings printed by Go's fmt with pprof's formats (%5.2f%%, %5.2g%%, %.2f).
    let pct: [(Int64, Int64, String)] = [
      (0, 100, "    0%"), (1, 100, " 1.00%"), (99, 10000, " 0.99%"), (999, 100000, "    1%"),
      (1, 3, "33.33%"), (9995, 10000, "  100%"), (9994, 10000, "99.94%"), (10005, 10000, "  100%"),
      (10006, 10000, "100.06%"), (1, 1_000_000, "0.0001%"), (7, 100000, "0.007%"), (-5, 10, "50.00%"),
      (5, 0, "    0%"), (1, 10_000_000, "1e-05%"), (3, 2000, " 0.15%"), (15, 100000, "0.015%"),
    ]
    for (v, t, want) in pct { XCTAssertEqual(Measurement.percentage(v, of: t), want, "\(v)/\(t)") }
    let labels: [(Int64, String, String, String)] = [
      (0, "bytes", "minimum", "0"), (1023, "bytes", "minimum", "1023B"), (1024, "bytes", "minimum", "1kB"),
      (1536, "bytes", "minimum", "1.50kB"), (65_536_000, "bytes", "minimum", "62.50MB"),
      (1_024_000, "bytes", "kB", "1000kB"), (400, "count", "count", "400"), (-2048, "bytes", "auto", "-2kB"),
      (1024, "bytes", "MB", "0"), (5, "bytes", "kB", "0"), (10, "bytes", "kB", "0.01kB"),
      (3 << 40, "bytes", "auto", "3TB"), (1_500_000_000, "nanoseconds", "auto", "1.50s"),
    ]
    for (v, from, to, want) in labels {
      XCTAssertEqual(Measurement.scaledLabel(v, from: from, to: to), want, "\(v) \(from)→\(to)")
    }
  }

  func testGoTimeLayouts() {
    XCTAssertEqual(formatTime(1_700_000_000_123_000_000, layout: .iso), "2023-11-14 22:13:20 UTC")
    XCTAssertEqual(formatTime(1_700_000_000_123_000_000, layout: .go119), "Nov 14, 2023 at 10:13pm (UTC)")
    XCTAssertEqual(formatTime(1_699_920_000_000_000_000, layout: .go119), "Nov 14, 2023 at 12:00am (UTC)")
  }

  func testActiveFiltersHeader() {
    let long = String(repeating: "x", count: 90)
    let text = TopReport.render(
      p,
      options: ReportOptions(
        sampleIndex: inuseSpace, nodeCount: 2, activeFilters: [("focus", "Cache"), ("ignore", long)]))
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    XCTAssertEqual(
      Array(lines[5...10]),
      [
        "Active filters:",
        "   focus=Cache",
        "   ignore=" + String(repeating: "x", count: 73) + "…",
        "Showing nodes accounting for 3MB, 100% of 3MB total",
        "Dropped 2 nodes (cum <= 0.02MB)",
        "Showing top 2 nodes out of 6",
      ])
  }

  func testFolded() {
    assertGolden(
      FoldedReport.render(p, options: ReportOptions(sampleIndex: 1)),
      "Golden/handbuilt/cacheService.folded.alloc_space.txt")
    let lines = FoldedReport.render(p, options: ReportOptions(sampleIndex: inuseSpace, granularity: .lines))
    assertGolden(lines, "Golden/handbuilt/cacheService.folded.inuse_space.lines.txt")
    // Every value is counted once: the lines sum to the profile's total.
    let sum = lines.split(separator: "\n").compactMap { Int64($0.split(separator: " ").last ?? "") }.reduce(0, +)
    XCTAssertEqual(sum, 3_149_988)
  }

  func testTracesAndReadableDot() throws {
    assertGolden(
      TracesReport.render(p, options: ReportOptions(sampleIndex: 1)),
      "Golden/handbuilt/cacheService.traces.alloc_space.txt")
    let dot = DotReport.render(p, options: ReportOptions(sampleIndex: inuseSpace))
    assertGolden(dot, "Golden/handbuilt/cacheService.dot.inuse_space.dot")
    let residual = DotReport.render(p, options: ReportOptions(sampleIndex: 1, nodeCount: 4))
    assertGolden(residual, "Golden/handbuilt/cacheService.dot.alloc_space.nodecount4.dot")
    XCTAssertTrue(residual.contains("style=\"dotted\""), "trimmed nodes give dotted residual edges")
    try assertDotAccepts(dot)
    try assertDotAccepts(residual)
  }

  func testPeek() throws {
    let text = try PeekReport.render(p, regex: "Cache\\.store", options: ReportOptions(sampleIndex: 1))
    assertGolden(text, "Golden/handbuilt/cacheService.peek.store.alloc_space.txt")
    XCTAssertThrowsError(try PeekReport.render(p, regex: "nothing-like-this", options: ReportOptions())) { error in
      XCTAssertEqual(
        "\(error)", "no matches found for regexp: nothing-like-this; `heapprof top` lists the node names it can match")
    }
    XCTAssertThrowsError(try PeekReport.render(p, regex: "(", options: ReportOptions()))
  }

  func testReadableLabelSplitsSwiftNames() {
    XCTAssertEqual(
      DotLabels.readableLines("CacheLeakDemo.Cache.store(_: CacheLeakDemo.HeavyObject, for: Swift.String) -> ()"),
      ["CacheLeakDemo", "Cache", "store(_: HeavyObject, for: String)", "-> ()"])
    XCTAssertEqual(
      DotLabels.readableLines("CacheLeakDemo.HeavyObject.init(payload: Swift.Int) -> CacheLeakDemo.HeavyObject"),
      ["CacheLeakDemo", "HeavyObject", "init(payload: Int) -> HeavyObject"])
    XCTAssertEqual(
      DotLabels.readableLines(
        "generic specialization <Swift.String, CacheLeakDemo.HeavyObject> of Swift._NativeDictionary._copyOrMoveAndResize(capacity: Swift.Int, moveElements: Swift.Bool) -> ()"
      ),
      [
        "generic specialization <String,", "HeavyObject> of _NativeDictionary", "_copyOrMoveAndResize(capacity: Int,",
        "moveElements: Bool) -> ()",
      ])
    XCTAssertEqual(
      DotLabels.readableLines("closure #1 (Swift.Int) -> () in CacheLeakDemo.main()"),
      ["closure #1 (Int) -> () in", "CacheLeakDemo", "main()"])
    // Go and Java names keep pprof's layout.
    XCTAssertEqual(
      DotLabels.multilineName(NodeInfo(name: "main.(*cache).store"), readable: true), "main\\n(*cache)\\nstore\\n")
    XCTAssertEqual(
      DotLabels.multilineName(NodeInfo(name: "runtime/pprof.writeHeap"), readable: true), "pprof\\nwriteHeap\\n")
  }

  // MARK: - Against go tool pprof

  /// The hand-built profile written as protobuf; `go tool pprof` on it must print what
  /// heapprof prints (DOT with pprof's own label layout).
  func testHandBuiltMatchesGoToolPprof() throws {
    let go = try GoPprof()
    defer { go.remove() }
    let file = try go.write(p, as: "cacheService.pb.gz")
    func pprof(_ args: [String]) throws -> String { try go.run(args + [file]) }
    let names = ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]
    for (i, index) in names.enumerated() {
      for g in Granularity.allCases {
        for cum in [false, true] {
          let o = ReportOptions(sampleIndex: i, cum: cum, granularity: g, timeLayout: .go119)
          var args = ["-top", "-sample_index=\(index)", "-\(g.rawValue)"]
          if cum { args.append("-cum") }
          XCTAssertEqual(TopReport.render(p, options: o), try pprof(args), "top \(args)")
        }
      }
      let o = ReportOptions(sampleIndex: i, timeLayout: .go119, readableLabels: false)
      XCTAssertEqual(DotReport.render(p, options: o), try pprof(["-dot", "-sample_index=\(index)"]), "dot \(index)")
      var few = o
      few.nodeCount = 4
      XCTAssertEqual(
        DotReport.render(p, options: few), try pprof(["-dot", "-nodecount=4", "-sample_index=\(index)"]),
        "dot nodecount 4 \(index)")
      var top3 = o
      top3.nodeCount = 3
      top3.nodeFraction = 0
      top3.edgeFraction = 0.2
      XCTAssertEqual(
        TopReport.render(p, options: top3),
        try pprof(["-top", "-nodecount=3", "-nodefraction=0", "-edgefraction=0.2", "-sample_index=\(index)"]),
        "top nodecount 3 \(index)")
      XCTAssertEqual(
        TracesReport.render(p, options: o), try pprof(["-traces", "-sample_index=\(index)"]), "traces \(index)")
      XCTAssertEqual(
        try PeekReport.render(p, regex: "Cache|HeavyObject", options: o),
        try pprof(["-peek", "Cache|HeavyObject", "-sample_index=\(index)"]), "peek \(index)")
      for g in [Granularity.lines, .addresses] {
        var og = o
        og.granularity = g
        XCTAssertEqual(
          DotReport.render(p, options: og), try pprof(["-dot", "-\(g.rawValue)", "-sample_index=\(index)"]),
          "dot \(g) \(index)")
      }
    }
  }

  func assertDotAccepts(_ dot: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let dotTool = try XCTUnwrap(which("dot"), "graphviz dot is not on PATH; tools/test installs graphviz")
    let r = try runProgram(dotTool, ["-Tsvg"], stdin: dot)
    XCTAssertEqual(r.status, 0, "dot -Tsvg rejected the graph: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(r.stdout.contains("<svg"), file: file, line: line)
    XCTAssertEqual(r.stderr, "", file: file, line: line)
  }
}
