import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// Every committed fixture parses to the description in `Golden/<folder>.<file>.txt`, and
/// survives encoding to pprof protobuf and decoding unchanged (pprof's `TestParse`).
///
/// The legacy-text goldens were checked once against google/pprof's own `profile.Parse`
/// (`String()`): samples, values, labels, locations (ids, addresses, mappings) and
/// mappings are identical; see Tests/Fixtures/heapprof/README.md.
final class FixtureGoldenTests: XCTestCase {
  static let fixtures = [
    "gperftools/mapleak.0001.heap", "gperftools/mapleak.0002.heap", "gperftools/mapleak.0003.heap",
    "gperftools/mapleak.0004.heap", "gperftools/sampled.heap",
    "jemalloc/mapleak.1.heap", "jemalloc/mapleak.2.heap", "jemalloc/mapleak.3.heap",
    "heapprof/leak.0001.heap", "heapprof/sampled.0002.heap",
    "go/calltree.heap", "go/churn.heap", "go/calltree.pb.gz", "go/churn.pb.gz",
  ]

  func goldenName(_ fixture: String) -> String {
    "Golden/" + fixture.replacingOccurrences(of: "/", with: ".") + ".txt"
  }

  func testFixturesMatchGoldenDescriptions() throws {
    for name in Self.fixtures {
      let p = try ProfileReader.read(path: fixture(name))
      assertGolden(p.description, goldenName(name))
    }
  }

  func testFixturesRoundTripThroughPprofProtobuf() throws {
    for name in Self.fixtures {
      var p = try ProfileReader.read(path: fixture(name))
      for gzip in [false, true] {
        let data = try p.pprofData(gzip: gzip)
        let back = try ProfileReader.parse(data, source: "\(name) re-encoded")
        // profile.proto has no field for attributes, and a numeric label 0 without a unit
        // is indistinguishable from no label (pprof drops it too); all else must survive.
        p.attributes = [:]
        p = withoutZeroUnitlessNumLabels(p)
        XCTAssertEqual(back.description, p.description, "\(name) gzip=\(gzip)")
        XCTAssertEqual(back, p, "\(name) gzip=\(gzip)")
      }
    }
  }

  func withoutZeroUnitlessNumLabels(_ p: Profile) -> Profile {
    var p = p
    for i in p.samples.indices {
      for (key, values) in p.samples[i].numLabels where p.samples[i].numUnits[key] == nil {
        let kept = values.filter { $0 != 0 }
        p.samples[i].numLabels[key] = kept.isEmpty ? nil : kept
      }
    }
    return p
  }

  /// Exact numbers of the hand-written heapprof dumps, derived by hand in its README.
  func testHeapprofDumpNumbers() throws {
    let leak = try ProfileReader.read(path: fixture("heapprof/leak.0001.heap"))
    XCTAssertEqual(totals(leak), [20, 57856, 12, 49664])
    XCTAssertEqual(leak.timeNanos, 1_764_072_000_123_456_789)
    XCTAssertEqual(
      leak.attributes,
      [
        "version": "1", "pid": "4242", "seq": "1", "reason": "exit", "sample_rate": "0", "max_depth": "64",
        "program": "/opt/cache leak/bin/cache-leak --mode leak",
      ])
    XCTAssertEqual(leak.period, 1)
    XCTAssertEqual(leak.mappings.map(\.file), ["/opt/cacheleak/bin/cache-leak", "/usr/lib/x86_64-linux-gnu/libc.so.6"])
    XCTAssertEqual(
      leak.locations.map(\.address), [0x5555_5555_5a0f, 0x5555_5555_6b1f, 0x7fff_f782_9d8f, 0x5555_5555_6c2f])
    XCTAssertEqual(leak.locations.map(\.mappingID), [1, 1, 2, 1])

    let sampled = try ProfileReader.read(path: fixture("heapprof/sampled.0002.heap"))
    XCTAssertEqual(sampled.period, 524_288)
    // 2 x 1 MiB at R = 512 KiB: factor 1/(1-e^-1) = 1.58197...; 1 of 3 at avg 176128 B:
    // factor 3.50468...; values truncated toward zero.
    XCTAssertEqual(sampled.samples.map(\.values), [[3, 1_658_822, 3, 1_658_822], [10, 1_851_820, 1, 829_411]])
    XCTAssertEqual(sampled.samples.map { $0.numLabels["bytes"] ?? [] }, [[524_288], [524_288]])
  }
}
