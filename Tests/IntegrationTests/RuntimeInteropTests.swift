import Foundation
import HeapProfTestSupport
import XCTest

/// The real google-pprof and go tool pprof read libheapprof.so dumps, exact and sampled,
/// and their totals equal the dump's (unbiased with pprof's formula when sampled).
final class RuntimeInteropTests: XCTestCase {
  private func tool(_ name: String) throws -> String {
    try XCTUnwrap(which(name), "\(name) is not installed (tools/test installs it)")
  }

  /// go tool pprof's total for `index`, read from "Showing nodes accounting for X, Y% of Z total".
  private func goTotal(_ program: String, _ dump: String, _ index: String) throws -> Int64 {
    let go = try GoPprof()
    defer { go.remove() }
    let out = try go.run(["-unit=B", "-sample_index=\(index)", "-top", program, dump])
    let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("Showing nodes accounting for") }, out)
    let words = line.split(separator: " ")
    let total = try XCTUnwrap(words.firstIndex(of: "total")).advanced(by: -1)
    return try XCTUnwrap(Int64(words[total].replacingOccurrences(of: "B", with: "")), String(line))
  }

  /// google-pprof's "Total: N B" / "Total: N objects" for `option`.
  private func googleTotal(_ program: String, _ dump: String, _ option: String) throws -> Int64 {
    let r = try runProgram(try tool("google-pprof"), ["--text", "--show_bytes", option, program, dump])
    XCTAssertEqual(r.status, 0, r.stderr)
    let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("Total: ") }, r.stdout + r.stderr)
    return try XCTUnwrap(Int64(line.split(separator: " ")[1]), String(line))
  }

  /// pprof's unbiasing of one (count, bytes) pair of a heap_v2/R line.
  private func unbias(_ count: Int64, _ bytes: Int64, _ rate: Int64) -> (Double, Double) {
    if count == 0 || bytes == 0 { return (0, 0) }
    let scale = 1 / (1 - exp(-(Double(bytes) / Double(count)) / Double(rate)))
    return (Double(count) * scale, Double(bytes) * scale)
  }

  private func record(_ name: String, env: [String: String]) throws -> (String, HeapDump, URL) {
    let dir = try RuntimeHarness.temporaryDirectory("interop")
    let program = try RuntimeHarness.compile(name, into: dir)
    let r = try RuntimeHarness.run(program, prefix: dir.appendingPathComponent("p").path, env: env)
    XCTAssertEqual(r.status, 0, r.stderr)
    let dump = try RuntimeHarness.load(try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first))
    return (program, dump, dir)
  }

  func testExactDumpTotalsAgreeWithBothReaders() throws {
    let (program, dump, dir) = try record("accounting.c", env: [:])
    defer { try? FileManager.default.removeItem(at: dir) }
    XCTAssertEqual(dump.sampleRate, 0)
    XCTAssertEqual(try goTotal(program, dump.path, "inuse_space"), dump.inuseBytes)
    XCTAssertEqual(try goTotal(program, dump.path, "inuse_objects"), dump.inuseCount)
    XCTAssertEqual(try goTotal(program, dump.path, "alloc_space"), dump.allocBytes)
    XCTAssertEqual(try goTotal(program, dump.path, "alloc_objects"), dump.allocCount)
    XCTAssertEqual(try googleTotal(program, dump.path, "--inuse_space"), dump.inuseBytes)
    XCTAssertEqual(try googleTotal(program, dump.path, "--inuse_objects"), dump.inuseCount)
    XCTAssertEqual(try googleTotal(program, dump.path, "--alloc_space"), dump.allocBytes)
    XCTAssertEqual(try googleTotal(program, dump.path, "--alloc_objects"), dump.allocCount)
  }

  func testSampledDumpTotalsAgreeWithBothReaders() throws {
    let rate: Int64 = 65536
    let (program, dump, dir) = try record("churn.c", env: ["HEAPPROF_SAMPLE_RATE": "\(rate)"])
    defer { try? FileManager.default.removeItem(at: dir) }
    XCTAssertEqual(dump.sampleRate, rate)
    XCTAssertEqual(dump.meta["sample_rate"], "\(rate)")
    // 200000 allocations of ~1.5 kB on average: a few thousand samples, not all of them.
    XCTAssertGreaterThan(dump.allocCount, 1000)
    XCTAssertLessThan(dump.allocCount, 20000)
    // go tool pprof truncates each scaled value; google-pprof sums floats and truncates the total.
    var goSums = [Int64](repeating: 0, count: 4)
    var floatSums = [Double](repeating: 0, count: 4)
    for line in dump.lines {
      let inuse = unbias(line.inuseCount, line.inuseBytes, rate)
      let alloc = unbias(line.allocCount, line.allocBytes, rate)
      for (i, v) in [inuse.0, inuse.1, alloc.0, alloc.1].enumerated() {
        goSums[i] += Int64(v)
        floatSums[i] += v
      }
    }
    XCTAssertEqual(try goTotal(program, dump.path, "inuse_objects"), goSums[0])
    XCTAssertEqual(try goTotal(program, dump.path, "inuse_space"), goSums[1])
    XCTAssertEqual(try goTotal(program, dump.path, "alloc_objects"), goSums[2])
    XCTAssertEqual(try goTotal(program, dump.path, "alloc_space"), goSums[3])
    for (i, option) in ["--inuse_objects", "--inuse_space", "--alloc_objects", "--alloc_space"].enumerated() {
      let total = try googleTotal(program, dump.path, option)
      XCTAssertLessThanOrEqual(abs(Double(total) - floatSums[i].rounded(.down)), 1, option)
    }
    // The unbiased estimates are close to the truth. Bytes are estimated well (the 4096-byte
    // allocations are sampled 6% of the time: σ ≈ 1.5%); the object count is carried by
    // the 16-72-byte ones, sampled 0.07% of the time (σ ≈ 5%), hence the wider bound
    // (6σ each: a bound at 3σ failed one run in a few dozen).
    var bytes = 0.0
    for i in 0..<200_000 {
      let size: Int
      switch i % 3 {
      case 0: size = 16 + (i % 8) * 8
      case 1: size = 256 + (i % 16) * 32
      default: size = 4096
      }
      bytes += Double(size)
    }
    XCTAssertEqual(floatSums[3], bytes, accuracy: bytes * 0.10)
    XCTAssertEqual(floatSums[2], 200_000, accuracy: 200_000 * 0.30)
  }
}
