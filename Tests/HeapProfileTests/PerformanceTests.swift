import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// Big profiles stay fast: 100k samples of depth 40 (4M frames) over 20k locations.
/// The release bound is the product requirement (0.3 s to parse the protobuf); debug
/// builds, which the test script uses, get a 10x allowance.
final class PerformanceTests: XCTestCase {
  #if DEBUG
    let factor = 10.0
  #else
    let factor = 1.0
  #endif

  static func bigProfile() -> Profile {
    var rng = SplitMix64(seed: 7)
    var p = Profile(
      sampleTypes: [
        ValueType(type: "alloc_objects", unit: "count"), ValueType(type: "alloc_space", unit: "bytes"),
        ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes"),
      ], periodType: ValueType(type: "space", unit: "bytes"), period: 524_288)
    p.mappings = [Mapping(id: 1, start: 0x400000, limit: 0x8000000, offset: 0, file: "/bin/big", hasFunctions: true)]
    p.functions = (1...5000).map {
      Function(id: UInt64($0), name: "Module.function\($0)(_:)", filename: "File\($0 % 97).swift")
    }
    for i in 1...20000 {
      let id = UInt64(i)
      let line = Line(functionID: id % 5000 + 1, line: Int64(i % 300))
      p.locations.append(Location(id: id, mappingID: 1, address: 0x400000 + id * 16, lines: [line]))
    }
    p.samples.reserveCapacity(100_000)
    for _ in 0..<100_000 {
      let ids = (0..<40).map { _ in rng.next() % 20000 + 1 }
      let n = Int64(rng.next() % 100 + 1)
      p.samples.append(Sample(locationIDs: ids, values: [n, n * 64, n / 2, n * 32], numLabels: ["bytes": [64]]))
    }
    return p
  }

  func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  func testParsingAndTransformingAHugeProfile() throws {
    let p = Self.bigProfile()
    let raw = try p.pprofData(gzip: false)
    let gz = try p.pprofData(gzip: true)
    var parsed = Profile()
    let parse = try time { parsed = try ProfileReader.parse(raw, source: "big.pb") }
    let parseGz = try time { _ = try ProfileReader.parse(gz, source: "big.pb.gz") }
    XCTAssertEqual(parsed.samples.count, 100_000)
    XCTAssertEqual(parsed.samples[99_999], p.samples[99_999])
    var filtered = parsed
    let filter = try time { try filtered.filter(focus: #"function1\d\("#, hide: "File3") }
    var pruned = parsed
    let prune = try time { try pruned.prune(drop: #"Module\.function4\d*"#) }
    let encode = try time { _ = try parsed.pprofData(gzip: false) }
    print(
      "big profile (\(raw.count) bytes, \(gz.count) gzipped): parse \(parse) s, parse gz \(parseGz) s, filter \(filter) s, prune \(prune) s, encode \(encode) s"
    )
    XCTAssertLessThan(parse, 0.3 * factor)
    XCTAssertLessThan(filter, 0.5 * factor)
    XCTAssertLessThan(prune, 0.5 * factor)
  }
}
