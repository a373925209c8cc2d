import Foundation
import HeapProfTestSupport
import XCTest

/// libheapprof.so preloaded into C programs: exact accounting for every wrapped function.
final class RuntimeTests: XCTestCase {
  /// (leaf function, in-use objects, in-use bytes, allocated objects, allocated bytes), from
  /// the comments of Programs/accounting.c.
  static let expected: [(String, [Int64])] = [
    ("case_malloc", [4, 400, 7, 700]),
    ("case_calloc", [3, 360, 5, 600]),
    ("seed_grow", [0, 0, 6, 96]),
    ("case_realloc_grow", [4, 800, 6, 1200]),
    ("seed_shrink", [0, 0, 5, 1500]),
    ("case_realloc_shrink", [4, 200, 5, 250]),
    ("case_realloc_null", [3, 192, 4, 256]),
    ("seed_zero", [3, 96, 8, 256]),
    ("case_realloc_zero", [0, 0, 0, 0]),
    ("case_posix_memalign", [4, 400, 5, 500]),
    ("case_aligned_alloc", [2, 256, 4, 512]),
    ("case_memalign", [3, 216, 3, 216]),
    ("case_valloc", [1, 5000, 2, 10000]),
    ("case_pvalloc", [2, 200, 3, 300]),
    ("case_reallocarray", [3, 360, 4, 480]),
  ]

  func testExactAccountingPerWrappedFunction() throws {
    let dir = try RuntimeHarness.temporaryDirectory("accounting")
    defer { try? FileManager.default.removeItem(at: dir) }
    let program = try RuntimeHarness.compile("accounting.c", into: dir)
    let r = try RuntimeHarness.run(program, prefix: dir.appendingPathComponent("acc").path)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderr, "")
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 1)
    let dump = try RuntimeHarness.load(try XCTUnwrap(dumps.first))
    XCTAssertEqual(dump.sampleRate, 0)
    XCTAssertEqual(dump.meta["reason"], "exit")
    XCTAssertEqual(dump.meta["seq"], "1")
    XCTAssertEqual(dump.meta["sample_rate"], "0")
    XCTAssertEqual(dump.meta["max_depth"], "64")
    XCTAssertEqual(dump.meta["program"], URL(fileURLWithPath: program).resolvingSymlinksInPath().path)
    XCTAssertEqual(dumps.first, dir.appendingPathComponent("acc.\(dump.meta["pid"] ?? "?").0001.heap").path)
    let symbols = try ProgramSymbols(program: program, dump: dump)
    for (function, numbers) in Self.expected {
      XCTAssertEqual(RuntimeHarness.totals(dump, symbols, leaf: function), numbers, function)
    }
    // Every stack runs leaf -> ... -> main -> _start through the right callers.
    for line in dump.lines {
      let names = symbols.names(line.frames)
      guard let leaf = names.first ?? nil, leaf.hasPrefix("case_") || leaf.hasPrefix("seed_") else { continue }
      let callers = names.dropFirst().compactMap { $0 }
      if leaf.hasPrefix("seed_") {
        XCTAssertEqual(callers, ["case_realloc_" + leaf.dropFirst("seed_".count), "main", "_start"], leaf)
      } else {
        XCTAssertEqual(callers, ["main", "_start"], leaf)
      }
    }
  }

  func testMaxDepthLimitsFrames() throws {
    let dir = try RuntimeHarness.temporaryDirectory("depth")
    defer { try? FileManager.default.removeItem(at: dir) }
    let program = try RuntimeHarness.compile("accounting.c", into: dir)
    let r = try RuntimeHarness.run(
      program, prefix: dir.appendingPathComponent("d").path, env: ["HEAPPROF_MAX_DEPTH": "1"])
    XCTAssertEqual(r.status, 0)
    let dump = try RuntimeHarness.load(try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first))
    XCTAssertEqual(dump.meta["max_depth"], "1")
    XCTAssertEqual(Set(dump.lines.map { $0.frames.count }), [1])
    let symbols = try ProgramSymbols(program: program, dump: dump)
    XCTAssertEqual(RuntimeHarness.totals(dump, symbols, leaf: "case_malloc"), [4, 400, 7, 700])
  }

  func testControlAPIFromTheProgram() throws {
    let dir = try RuntimeHarness.temporaryDirectory("api")
    defer { try? FileManager.default.removeItem(at: dir) }
    let include = packageRoot().appendingPathComponent("Sources/CHeapProfAPI/include").path
    let program = try RuntimeHarness.compile("controlled.c", into: dir, extra: ["-I", include])
    let plain = try runProgram(program, [], removing: ["LD_PRELOAD", "HEAPPROF_OUT"])
    XCTAssertEqual(plain.stdout, "runtime not loaded\n")
    let prefix = dir.appendingPathComponent("api").path
    let r = try RuntimeHarness.run(program, prefix: prefix)
    XCTAssertEqual(r.status, 0, r.stderr)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 2)
    let lines = r.stdout.split(separator: "\n")
    XCTAssertEqual(
      lines.prefix(3).joined(separator: "\n"), "active=1\ndump rc=0 path=\(dumps[0])\nprevious=1 dumps=1 sample_rate=0")
    XCTAssertTrue(
      lines.count == 4 && lines[3].hasPrefix("old layout: alloc_count=") && lines[3].hasSuffix(" canary=c0ffee"),
      "a program built with the ten-field header is never written past its struct: \(r.stdout)")
    let checkpoint = try RuntimeHarness.load(dumps[0])
    let exit = try RuntimeHarness.load(dumps[1])
    XCTAssertEqual(checkpoint.meta["reason"], "checkpoint")
    XCTAssertEqual(exit.meta["reason"], "exit")
    XCTAssertEqual(exit.meta["seq"], "2")
    let symbols = try ProgramSymbols(program: program, dump: exit)
    XCTAssertEqual(RuntimeHarness.totals(checkpoint, symbols, leaf: "api_alloc"), [2, 128, 2, 128])
    // The three allocations made while paused are not recorded.
    XCTAssertEqual(RuntimeHarness.totals(exit, symbols, leaf: "api_alloc"), [2, 128, 2, 128])
  }
}
