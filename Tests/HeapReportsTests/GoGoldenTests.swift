import Foundation
import HeapProfTestSupport
import HeapProfile
import XCTest

@testable import HeapReports

/// heapprof's reports on the Go fixtures (Tests/Fixtures/go) against the output of
/// `go tool pprof` saved by tools/make-fixtures-go.sh, byte for byte; and those goldens
/// against what `go tool pprof` prints today, so that a stale golden cannot hide.
final class GoGoldenTests: XCTestCase {
  /// One golden: how pprof made it and how heapprof makes the same text.
  struct Case {
    var golden: String
    var pprofArgs: [String]
    var render: () throws -> String
  }

  static let indexes = ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]
  static let fixtures = ["calltree", "churn", "mapleak.1", "mapleak.2", "mapleak.3"]

  static var fixtureDir: URL { packageRoot().appendingPathComponent("Tests/Fixtures/go") }
  static func path(_ name: String) -> String { fixtureDir.appendingPathComponent(name + ".pb.gz").path }

  override func setUp() {
    setenv("TZ", "UTC", 1)
    tzset()
  }

  /// Reads a fixture and merges it as `go tool pprof` does with every profile it fetches
  /// (identical stacks with identical labels summed, all-zero samples dropped).
  static func load(_ name: String) throws -> Profile {
    try Profile.merge([try ProfileReader.read(path: path(name))])
  }

  /// `-base`: HeapProfile's subtract transform, as `go tool pprof -base BASE PROFILE`.
  static func subtract(_ base: Profile, from profile: Profile) throws -> Profile {
    try profile.subtracting(base: base)
  }

  static func options(_ p: Profile, _ index: String, cum: Bool = false, nodeCount: Int? = nil) throws -> ReportOptions {
    let i = try XCTUnwrap(p.sampleTypeIndex(named: index), "no sample type \(index)")
    return ReportOptions(sampleIndex: i, cum: cum, nodeCount: nodeCount, timeLayout: .go119)
  }

  static var cases: [Case] {
    var cases: [Case] = []
    for name in fixtures {
      for index in indexes {
        for cum in [false, true] {
          cases.append(
            Case(
              golden: "\(name).top.\(index)\(cum ? ".cum" : "").txt",
              pprofArgs: ["-top", "-sample_index=\(index)"] + (cum ? ["-cum"] : []) + [path(name)],
              render: {
                let p = try load(name)
                return TopReport.render(p, options: try options(p, index, cum: cum))
              }))
        }
      }
    }
    for index in indexes {
      for cum in [false, true] {
        cases.append(
          Case(
            golden: "mapleak.3.top.\(index)\(cum ? ".cum" : "").base.txt",
            pprofArgs: ["-top", "-sample_index=\(index)"] + (cum ? ["-cum"] : []) + [
              "-base", path("mapleak.1"), path("mapleak.3"),
            ],
            render: {
              let p = try subtract(try load("mapleak.1"), from: try load("mapleak.3"))
              return TopReport.render(p, options: try options(p, index, cum: cum))
            }))
      }
    }
    cases.append(
      Case(
        golden: "calltree.peek.leaf.alloc_space.txt",
        pprofArgs: ["-peek", "main\\.leaf", "-sample_index=alloc_space", path("calltree")],
        render: {
          let p = try load("calltree")
          return try PeekReport.render(p, regex: "main\\.leaf", options: try options(p, "alloc_space"))
        }))
    cases.append(
      Case(
        golden: "mapleak.3.peek.store.inuse_space.txt",
        pprofArgs: ["-peek", "store|newPayload", "-sample_index=inuse_space", path("mapleak.3")],
        render: {
          let p = try load("mapleak.3")
          return try PeekReport.render(p, regex: "store|newPayload", options: try options(p, "inuse_space"))
        }))
    for (name, index) in [("calltree", "inuse_space"), ("churn", "alloc_objects")] {
      cases.append(
        Case(
          golden: "\(name).traces.\(index).txt",
          pprofArgs: ["-traces", "-sample_index=\(index)", path(name)],
          render: {
            let p = try load(name)
            return TracesReport.render(p, options: try options(p, index))
          }))
    }
    for name in ["calltree", "churn", "mapleak.3"] {
      for index in ["alloc_space", "inuse_space"] {
        cases.append(
          Case(
            golden: "\(name).dot.\(index).dot",
            pprofArgs: ["-dot", "-sample_index=\(index)", path(name)],
            render: {
              let p = try load(name)
              return DotReport.render(p, options: try options(p, index))
            }))
      }
    }
    cases.append(
      Case(
        golden: "mapleak.3.dot.alloc_space.nodecount10.dot",
        pprofArgs: ["-dot", "-nodecount=10", "-sample_index=alloc_space", path("mapleak.3")],
        render: {
          let p = try load("mapleak.3")
          return DotReport.render(p, options: try options(p, "alloc_space", nodeCount: 10))
        }))
    cases.append(
      Case(
        golden: "mapleak.3.dot.alloc_space.base.dot",
        pprofArgs: ["-dot", "-sample_index=alloc_space", "-base", path("mapleak.1"), path("mapleak.3")],
        render: {
          let p = try subtract(try load("mapleak.1"), from: try load("mapleak.3"))
          return DotReport.render(p, options: try options(p, "alloc_space"))
        }))
    return cases
  }

  /// (1) heapprof prints exactly what `go tool pprof` printed.
  func testReportsMatchGoToolPprofGoldens() throws {
    for c in Self.cases {
      assertGolden(try c.render(), "Golden/go/" + c.golden)
    }
  }

  /// (2) The goldens are still what `go tool pprof` prints.
  func testGoldensMatchGoToolPprofNow() throws {
    let pprof = try GoPprof()
    defer { pprof.remove() }
    for c in Self.cases {
      let out = try pprof.run(c.pprofArgs)
      assertGolden(out, "Golden/go/" + c.golden)
    }
  }
}
