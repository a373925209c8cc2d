import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// heapprof's totals for the real gperftools and jemalloc fixtures equal the totals the
/// real tools print (`google-pprof --text`, `jeprof --text`, run here).
final class NativeToolTotalsTests: XCTestCase {
  let fixtures = packageRoot().appendingPathComponent("Tests/Fixtures")

  /// `Total: N B` / `Total: N objects` from `TOOL --text [flags] BINARY PROFILE`.
  func toolTotal(_ tool: String, _ flags: [String], binary: String, profile: String) throws -> Int64 {
    let exe = try XCTUnwrap(which(tool), "\(tool) is not installed (tools/install-deps installs it)")
    let r = try runProgram(
      exe, ["--text"] + flags + [binary, profile], environment: ["HOME": NSTemporaryDirectory()])
    let line = try XCTUnwrap(
      (r.stdout + r.stderr).split(separator: "\n").first { $0.hasPrefix("Total: ") },
      "no Total line in \(tool) output:\n\(r.stdout)\n\(r.stderr)")
    let number = line.dropFirst("Total: ".count).split(separator: " ")[0]
    return try XCTUnwrap(Int64(number), "cannot read \(line)")
  }

  func total(_ p: Profile, _ type: String) throws -> Int64 {
    let i = try XCTUnwrap(p.sampleTypeIndex(named: type), "no sample type \(type)")
    return p.samples.reduce(0) { $0 + $1.values[i] }
  }

  func check(
    tool: String, binary: String, profile: String, types: [(String, String, [String])],
    slack: Int64 = 0, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let path = fixtures.appendingPathComponent(profile).path
    let bin = fixtures.appendingPathComponent(binary).path
    let p = try ProfileReader.read(path: path)
    for (ours, theirsFlag, extra) in types {
      let theirs = try toolTotal(tool, [theirsFlag] + extra, binary: bin, profile: path)
      let mine = try total(p, ours)
      XCTAssertLessThanOrEqual(
        abs(mine - theirs), slack, "\(profile) \(ours): heapprof \(mine), \(tool) \(theirs)", file: file, line: line)
    }
  }

  /// The four sample types of an unsampled gperftools dump, exact to the byte.
  func testGperftoolsHeapProfilerDumpsMatchGooglePprof() throws {
    for n in 1...4 {
      try check(
        tool: "google-pprof", binary: "gperftools/mapleak", profile: "gperftools/mapleak.000\(n).heap",
        types: [
          ("inuse_space", "--inuse_space", ["--show_bytes"]), ("inuse_objects", "--inuse_objects", []),
          ("alloc_space", "--alloc_space", ["--show_bytes"]), ("alloc_objects", "--alloc_objects", []),
        ])
    }
  }

  /// tcmalloc's sampled profile: both tools unbias with 1/(1-exp(-avg/R)); pprof (and
  /// heapprof) truncate each sample to an integer, google-pprof sums fractions, so the
  /// totals may differ by less than one unit per sample.
  func testTcmallocSampledProfileMatchesGooglePprof() throws {
    let p = try ProfileReader.read(path: fixtures.appendingPathComponent("gperftools/sampled.heap").path)
    XCTAssertEqual(p.period, 4096)
    try check(
      tool: "google-pprof", binary: "gperftools/sampled", profile: "gperftools/sampled.heap",
      types: [("space", "--inuse_space", ["--show_bytes"]), ("objects", "--inuse_objects", [])],
      slack: Int64(p.samples.count))
  }

  /// jemalloc `prof.dump` files against jeprof (which also sums fractions).
  func testJemallocDumpsMatchJeprof() throws {
    for n in 1...3 {
      let path = "jemalloc/mapleak.\(n).heap"
      let p = try ProfileReader.read(path: fixtures.appendingPathComponent(path).path)
      try check(
        tool: "jeprof", binary: "jemalloc/mapleak", profile: path,
        types: [
          ("inuse_space", "--inuse_space", ["--show_bytes"]), ("inuse_objects", "--inuse_objects", []),
          ("alloc_space", "--alloc_space", ["--show_bytes"]), ("alloc_objects", "--alloc_objects", []),
        ], slack: Int64(p.samples.count))
    }
  }

  /// `go tool pprof` reads the same legacy text with the same rules (truncating each
  /// unbiased sample), so every total agrees exactly, sampled or not.
  func testGoToolPprofTotalsMatchExactly() throws {
    let files = [
      "gperftools/mapleak.0001.heap", "gperftools/mapleak.0003.heap", "gperftools/mapleak.0004.heap",
      "gperftools/sampled.heap", "heapprof/leak.0001.heap", "heapprof/sampled.0002.heap",
    ]
    for name in files {
      let p = try ProfileReader.read(path: fixture(name))
      for (i, t) in p.sampleTypes.enumerated() {
        let out = try goPprof(["-top", "-unit=B", "-symbolize=none", "-sample_index=\(t.type)", fixture(name)])
        let expected = p.samples.reduce(Int64(0)) { $0 + $1.values[i] }
        XCTAssertTrue(out.contains("% of \(expected)B total"), "\(name) \(t.type): expected \(expected)B in\n\(out)")
      }
    }
  }
}
