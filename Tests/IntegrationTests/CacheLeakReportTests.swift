import Foundation
import HeapProfTestSupport
import XCTest

/// The analyzer on a real heapprof dump of the release `cache-leak`: demangled, located
/// Swift names, the leak path on top of `top --cum`, a graph that renders, and a protobuf
/// export that `heapprof` and `go tool pprof` read back with the same numbers.
final class CacheLeakReportTests: XCTestCase {
  /// One recorded leak run shared by the tests of this class.
  static let dump: Result<String, Error> = Result {
    let dir = try RuntimeHarness.temporaryDirectory("cacheleak-reports")
    let r = try Products.heapprof([
      "record", "-o", dir.appendingPathComponent("leak").path, "--",
      try Products.path("cache-leak", release: true), "--mode", "leak", "--requests", "2000", "--payload", "4096",
    ])
    guard r.status == 0, let path = try RuntimeHarness.dumps(in: dir).first else {
      throw RuntimeHarnessError(description: "record failed: \(r.stderr)")
    }
    return path
  }

  func testLinesGranularityNamesSwiftSourceLines() throws {
    let r = try Products.heapprof(["top", "--granularity", "lines", "--nodecount", "30", try Self.dump.get()])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertFalse(r.stdout.contains("$s"), r.stdout)
    // pprof prints the source path as DWARF has it; the line is that of the call.
    XCTAssertTrue(
      r.stdout.contains(
        "CacheLeakDemo.Service.handleRequest(_:) \(packageRoot().path)/Sources/CacheLeakDemo/Service.swift:24"),
      r.stdout)
    XCTAssertTrue(
      r.stdout.contains(
        "CacheLeakDemo.HeavyObject.init(id:payloadBytes:) \(packageRoot().path)/Sources/CacheLeakDemo/HeavyObject.swift:14"
      ), r.stdout)
  }

  func testLeakPathLeadsTopCum() throws {
    let r = try Products.heapprof(["top", "--cum", "--nodecount", "15", try Self.dump.get()])
    let rows = r.stdout.split(separator: "\n").drop { !$0.hasPrefix("      flat") }.dropFirst()
    let handler = try XCTUnwrap(rows.first { $0.hasSuffix("CacheLeakDemo.Service.handleRequest(_:)") }, r.stdout)
    let cumPercent = try XCTUnwrap(Double(handler.split(separator: " ", omittingEmptySubsequences: true)[4].dropLast()))
    XCTAssertGreaterThanOrEqual(cumPercent, 95, "the request handler holds the leak: \(handler)")
  }

  func testGraphRendersThePathToTheInsert() throws {
    let dir = try RuntimeHarness.temporaryDirectory("cacheleak-svg")
    let svg = dir.appendingPathComponent("leak.svg").path
    let r = try Products.heapprof(["svg", try Self.dump.get(), "-o", svg])
    XCTAssertEqual(r.status, 0, r.stderr)
    let text = try String(contentsOfFile: svg, encoding: .utf8)
    XCTAssertTrue(text.contains("<svg"))
    for name in ["handleRequest", "ResponseCache", "store", "_NativeDictionary&lt;String,"] {
      XCTAssertTrue(text.contains(name), "the graph shows \(name)")
    }
    let attributes = try FileManager.default.attributesOfItem(atPath: svg)
    XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
  }

  func testProtoRoundTripKeepsEveryNumber() throws {
    let dump = try Self.dump.get()
    let dir = try RuntimeHarness.temporaryDirectory("cacheleak-proto")
    let pb = dir.appendingPathComponent("leak.pb.gz").path
    XCTAssertEqual(try Products.heapprof(["proto", dump, "-o", pb]).status, 0)
    for index in ["inuse_space", "inuse_objects", "alloc_space", "alloc_objects"] {
      let fromDump = try Products.heapprof(["top", "--sample-index", index, dump])
      let fromProto = try Products.heapprof(["top", "--sample-index", index, pb])
      XCTAssertEqual(fromDump.stdout, fromProto.stdout, index)
      let go = try GoPprof()
      defer { go.remove() }
      let withoutTime = { (s: String) in
        s.split(separator: "\n").filter { !$0.hasPrefix("Time:") }.joined(separator: "\n")
      }
      XCTAssertEqual(
        withoutTime(try go.run(["-top", "-sample_index=\(index)", pb])), withoutTime(fromProto.stdout),
        "go tool pprof agrees on \(index)")
    }
  }
}
