import Foundation
import HeapProfTestSupport
import HeapProfile
import XCTest

@testable import HeapReports

/// A large generated profile (deep stacks, shared prefixes, random tails, inlined frames,
/// thread labels, allocation sizes) through every graph report, against `go tool pprof`
/// on the same bytes: trimming, ordering and tie-breaks at scale.
final class LargeProfileTests: XCTestCase {
  /// A deterministic generator (64-bit LCG), so the profile is the same on every run.
  struct LCG {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  static func generate(samples: Int, depth: Int) -> Profile {
    var rng = LCG(state: 42)
    var p = Profile()
    p.sampleTypes = [
      ValueType(type: "alloc_objects", unit: "count"), ValueType(type: "alloc_space", unit: "bytes"),
      ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes"),
    ]
    p.timeNanos = 1_764_000_000_000_000_000
    p.mappings = [
      Mapping(
        id: 1, start: 0x400000, limit: 0x8000000, offset: 0, file: "/srv/bigservice",
        hasFunctions: true, hasFilenames: true, hasLineNumbers: true, hasInlineFrames: true)
    ]
    let nf = 600, nl = 2400
    p.functions = (1...nf).map {
      Function(
        id: UInt64($0), name: "BigService.Type\($0 % 37).method\($0)(x: Swift.Int) -> Swift.String",
        filename: "Sources/BigService/File\($0 % 50).swift")
    }
    p.locations = (1...nl).map { l in
      var lines = [Line(functionID: UInt64((l * 7919) % nf + 1), line: Int64(l % 300))]
      if l % 5 == 0 { lines.insert(Line(functionID: UInt64((l * 104_729) % nf + 1), line: Int64(l % 17)), at: 0) }
      return Location(id: UInt64(l), mappingID: 1, address: 0x400000 + UInt64(l) * 16, lines: lines)
    }
    for i in 0..<samples {
      var ids: [UInt64] = []
      var x = i % 61 + 1
      for d in 0..<depth {
        x = d < depth / 2 ? (x * 31 + d) % nl + 1 : rng.next(nl) + 1
        ids.append(UInt64(x))
      }
      let size = Int64(16 << rng.next(12))
      let n = Int64(rng.next(40) + 1)
      let live = Int64(rng.next(Int(n) + 1))
      p.samples.append(
        Sample(
          locationIDs: ids.reversed(), values: [n, n * size, live, live * size],
          labels: i % 3 == 0 ? ["thread": ["t\(i % 4)"]] : [:],
          numLabels: ["bytes": [size]], numUnits: ["bytes": ["bytes"]]))
    }
    return p
  }

  func testLargeProfileMatchesGoToolPprof() throws {
    setenv("TZ", "UTC", 1)
    tzset()
    let go = try GoPprof()
    defer { go.remove() }
    let p = Self.generate(samples: 20000, depth: 40)
    let file = try go.write(p, as: "large.pb.gz")
    func pprof(_ args: [String]) throws -> String { try go.run(args + [file]) }
    let base = ReportOptions(sampleIndex: 3, timeLayout: .go119, readableLabels: false)
    var start = Date()
    let top = TopReport.render(p, options: base)
    let topSeconds = Date().timeIntervalSince(start)
    XCTAssertEqual(top, try pprof(["-top", "-sample_index=inuse_space"]))
    XCTAssertEqual(
      top.split(separator: "\n").count, 5 + 600, "File, Type, Time, Showing, column header; one row per function")
    var cumLines = base
    cumLines.cum = true
    cumLines.granularity = .lines
    cumLines.sampleIndex = 0
    XCTAssertEqual(
      TopReport.render(p, options: cumLines), try pprof(["-top", "-cum", "-lines", "-sample_index=alloc_objects"]))
    start = Date()
    let dot = DotReport.render(p, options: base)
    let dotSeconds = Date().timeIntervalSince(start)
    XCTAssertEqual(dot, try pprof(["-dot", "-sample_index=inuse_space"]))
    for fact in ["Dropped", "edges (freq <=", "Showing top", "style=\"dotted\"", "shape=box3d"] {
      XCTAssertTrue(dot.contains(fact), "the large graph exercises \(fact)")
    }
    print("large profile (20000 samples x 40 frames, debug build): top \(topSeconds)s, dot \(dotSeconds)s")
  }
}
