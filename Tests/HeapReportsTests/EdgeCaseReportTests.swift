import Foundation
import HeapProfTestSupport
import HeapProfile
import XCTest

@testable import HeapReports

/// Profiles at the edges: no samples, no sample types, negative values (a `-base`
/// difference where things shrank). Reports must not crash and must match pprof.
final class EdgeCaseReportTests: XCTestCase {
  override func setUp() {
    setenv("TZ", "UTC", 1)
    tzset()
  }

  func testEmptyProfiles() throws {
    var p = HandBuiltProfiles.cacheService
    p.samples = []
    let o = ReportOptions(sampleIndex: 3)
    XCTAssertEqual(
      TopReport.render(p, options: o),
      """
      File: cache-leak
      Build ID: 4f2a9c
      heapprof dump 3 of pid 4242
      Type: inuse_space
      Time: 2023-11-14 22:13:20 UTC
      Showing nodes accounting for 0, 0% of 0 total
            flat  flat%   sum%        cum   cum%

      """)
    XCTAssertEqual(FoldedReport.render(p, options: o), "")
    XCTAssertTrue(
      DotReport.render(p, options: o).hasSuffix("for how to read the graph\\l\" tooltip=\"cache-leak\"] }\n}\n"))
    XCTAssertThrowsError(try PeekReport.render(p, regex: ".", options: o))
    // No sample types and no mappings at all.
    let bare = Profile(samples: [Sample(locationIDs: [], values: [])])
    XCTAssertEqual(
      TopReport.render(bare, options: ReportOptions()),
      """
      Showing nodes accounting for 0, 0% of 0 total
            flat  flat%   sum%        cum   cum%

      """)
    XCTAssertEqual(TracesReport.render(bare, options: ReportOptions()), "\n" + TracesReport.separator + "\n")
  }

  /// A shrinking profile minus a bigger base: negative flat and cum, as `go tool pprof -base`.
  func testNegativeDifferenceMatchesGoToolPprof() throws {
    let pprof = try GoPprof()
    defer { pprof.remove() }
    let before = HandBuiltProfiles.cacheService
    var after = before
    after.samples[0].values = [10, 10240, 10, 10240]  // the cache was emptied
    after.samples[2].values = [9000, 576_000, 0, 0]  // more temporary strings
    let diff = try after.subtracting(base: before)
    let a = try pprof.write(after, as: "after.pb.gz"), b = try pprof.write(before, as: "before.pb.gz")
    for (i, index) in ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"].enumerated() {
      let o = ReportOptions(sampleIndex: i, timeLayout: .go119, readableLabels: false)
      for (args, mine) in [
        (["-top"], TopReport.render(diff, options: o)),
        (["-dot"], DotReport.render(diff, options: o)),
        (["-traces"], TracesReport.render(diff, options: o)),
      ] {
        XCTAssertEqual(mine, try pprof.run(args + ["-sample_index=\(index)", "-base", b, a]), "\(args) \(index)")
      }
    }
    // The emptied cache shows as a negative flat value.
    let top = TopReport.render(diff, options: ReportOptions(sampleIndex: 3, unit: "kB"))
    XCTAssertTrue(top.contains("-990kB"), top)
  }
}
