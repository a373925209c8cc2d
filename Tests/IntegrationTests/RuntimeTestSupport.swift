import Foundation
import HeapProfTestSupport
import XCTest

// Helpers of the runtime integration tests: find libheapprof.so, compile the C programs
// of Programs/, run them preloaded, and read dumps with a parser of their own (no
// dependency on HeapProfile, so that the check is independent of the analyzer).

/// Errors of the runtime test harness, each saying what to do.
struct RuntimeHarnessError: Error, CustomStringConvertible {
  var description: String
}

/// One parsed gperftools-format dump as libheapprof.so writes it.
struct HeapDump {
  /// One site line: in-use and allocated objects and bytes, and the raw return addresses.
  struct Line {
    var inuseCount: Int64
    var inuseBytes: Int64
    var allocCount: Int64
    var allocBytes: Int64
    var frames: [UInt64]
  }

  var path: String
  var inuseCount: Int64 = 0
  var inuseBytes: Int64 = 0
  var allocCount: Int64 = 0
  var allocBytes: Int64 = 0
  /// 0 for `@ heapprofile`, R for `@ heap_v2/R`.
  var sampleRate: Int64 = 0
  var lines: [Line] = []
  /// The `# heapprof:` metadata words.
  var meta: [String: String] = [:]
  /// The lines after `MAPPED_LIBRARIES:`.
  var maps: [String] = []
  /// The `# heapprof-build-id: 0xSTART HEX` lines: (start, build id).
  var buildIDs: [(start: UInt64, id: String)] = []

  /// Reads the dump at `path`; fails on anything that is not the documented layout.
  init(path: String) throws {
    self.path = path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var rows = text.components(separatedBy: "\n")
    guard let header = rows.first, header.hasPrefix("heap profile: ") else {
      throw RuntimeHarnessError(description: "\(path): first line is not 'heap profile: ...'")
    }
    let (h, rest) = try HeapDump.counts(String(header.dropFirst("heap profile: ".count)), path)
    (inuseCount, inuseBytes, allocCount, allocBytes) = h
    if rest == "heapprofile" {
      sampleRate = 0
    } else if rest.hasPrefix("heap_v2/"), let r = Int64(rest.dropFirst("heap_v2/".count)) {
      sampleRate = r
    } else {
      throw RuntimeHarnessError(description: "\(path): unknown header kind '\(rest)'")
    }
    rows.removeFirst()
    var index = 0
    while index < rows.count, !rows[index].hasPrefix("#"), !rows[index].isEmpty {
      let (c, addresses) = try HeapDump.counts(rows[index], path)
      let frames = try addresses.split(separator: " ").map { word -> UInt64 in
        guard word.hasPrefix("0x"), word.count == 18, let v = UInt64(word.dropFirst(2), radix: 16) else {
          throw RuntimeHarnessError(description: "\(path): bad address '\(word)'")
        }
        return v
      }
      lines.append(Line(inuseCount: c.0, inuseBytes: c.1, allocCount: c.2, allocBytes: c.3, frames: frames))
      index += 1
    }
    guard index < rows.count, rows[index].hasPrefix("# heapprof: ") else {
      throw RuntimeHarnessError(description: "\(path): no '# heapprof:' line after the sites")
    }
    for word in rows[index].dropFirst("# heapprof: ".count).split(separator: " ") {
      let kv = word.split(separator: "=", maxSplits: 1)
      meta[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
    }
    while index + 1 < rows.count, rows[index + 1].hasPrefix("# heapprof-build-id: ") {
      let words = rows[index + 1].split(separator: " ")
      guard words.count == 4, words[2].hasPrefix("0x"), words[2].count == 18,
        let start = UInt64(words[2].dropFirst(2), radix: 16),
        !words[3].isEmpty, words[3].allSatisfy(\.isHexDigit)
      else { throw RuntimeHarnessError(description: "\(path): bad build-id line '\(rows[index + 1])'") }
      buildIDs.append((start, String(words[3])))
      index += 1
    }
    guard index + 2 < rows.count, rows[index + 1].isEmpty, rows[index + 2] == "MAPPED_LIBRARIES:" else {
      throw RuntimeHarnessError(description: "\(path): no blank line and MAPPED_LIBRARIES: after the metadata")
    }
    maps = rows[(index + 3)...].filter { !$0.isEmpty }
  }

  /// Parses `A: B [ C: D] @ rest`.
  private static func counts(_ s: String, _ path: String) throws -> ((Int64, Int64, Int64, Int64), String) {
    let parts = s.components(separatedBy: " @")
    let numbers = parts[0].split(whereSeparator: { " :[]".contains($0) }).compactMap { Int64($0) }
    guard parts.count == 2, numbers.count == 4 else {
      throw RuntimeHarnessError(description: "\(path): bad counts line '\(s)'")
    }
    return ((numbers[0], numbers[1], numbers[2], numbers[3]), parts[1].trimmingCharacters(in: .whitespaces))
  }

  /// Sums of the site lines (in-use n, in-use bytes, alloc n, alloc bytes).
  var lineTotals: [Int64] {
    lines.reduce(into: [Int64](repeating: 0, count: 4)) { t, l in
      t[0] += l.inuseCount
      t[1] += l.inuseBytes
      t[2] += l.allocCount
      t[3] += l.allocBytes
    }
  }

  var headerTotals: [Int64] { [inuseCount, inuseBytes, allocCount, allocBytes] }
}

/// Function symbols of an ELF program, placed where its dump's maps say it was loaded.
struct ProgramSymbols {
  private var symbols: [(start: UInt64, end: UInt64, name: String)] = []

  /// Reads `nm -S` of `program` and relocates by the load base found in `dump`'s maps.
  init(program: String, dump: HeapDump) throws {
    let real = URL(fileURLWithPath: program).resolvingSymlinksInPath().path
    guard let first = dump.maps.first(where: { $0.hasSuffix(" " + real) && $0.split(separator: " ")[2] == "00000000" }),
      let base = UInt64(first.split(separator: "-")[0], radix: 16)
    else { throw RuntimeHarnessError(description: "\(dump.path): \(real) is not in MAPPED_LIBRARIES") }
    let nm = try runProgram("/usr/bin/nm", ["-S", "--defined-only", program])
    for row in nm.stdout.split(separator: "\n") {
      let f = row.split(separator: " ")
      guard f.count == 4, "tTwW".contains(f[2]), let a = UInt64(f[0], radix: 16), let s = UInt64(f[1], radix: 16) else {
        continue
      }
      symbols.append((base + a, base + a + s, String(f[3])))
    }
  }

  /// The function holding the call that returns to `returnAddress` (looked up at PC-1).
  func name(returnAddress: UInt64) -> String? {
    let pc = returnAddress &- 1
    return symbols.first(where: { $0.start <= pc && pc < $0.end })?.name
  }

  /// The names of a stack's frames inside the program (nil elsewhere), leaf first.
  func names(_ frames: [UInt64]) -> [String?] { frames.map { name(returnAddress: $0) } }
}

/// Compiling and running programs under libheapprof.so.
enum RuntimeHarness {
  /// The library under test: $HEAPPROF_RUNTIME, or .build/debug/libheapprof.so.
  static func runtimeLibrary() throws -> String {
    let path =
      ProcessInfo.processInfo.environment["HEAPPROF_RUNTIME"]
      ?? packageRoot().appendingPathComponent(".build/debug/libheapprof.so").path
    guard FileManager.default.fileExists(atPath: path) else {
      throw RuntimeHarnessError(
        description: "\(path) does not exist: run tools/build-runtime.sh first (or set HEAPPROF_RUNTIME)")
    }
    return path
  }

  /// A fresh temporary directory.
  static func temporaryDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Compiles Programs/<name>.c with `cc -g -O0` into `dir`; returns the executable.
  static func compile(_ name: String, into dir: URL, extra: [String] = [], output: String? = nil) throws -> String {
    let source = try programSource(name, into: dir)
    let out = dir.appendingPathComponent(output ?? (name as NSString).deletingPathExtension).path
    let args = ["-g", "-O0", "-o", out, source.path] + extra
    let r = try runProgram("/usr/bin/cc", args)
    guard r.status == 0 else {
      throw RuntimeHarnessError(description: "cc \(args.joined(separator: " ")) failed:\n\(r.stderr)")
    }
    return out
  }

  /// Copies Programs/<name> into `dir` under its own name and returns the copy.
  /// (Package.swift excludes Programs/ from the test target, so SwiftPM does not compile
  /// these sources into the tests.)
  static func programSource(_ name: String, into dir: URL) throws -> URL {
    let programs = testDirectory().appendingPathComponent("Programs")
    let plain = programs.appendingPathComponent(name)
    let kept =
      FileManager.default.fileExists(atPath: plain.path) ? plain : programs.appendingPathComponent(name + ".txt")
    let copy = dir.appendingPathComponent(name)
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: kept, to: copy)
    return copy
  }

  /// Runs `program` with the runtime preloaded and HEAPPROF_OUT=`prefix`.
  static func run(_ program: String, _ args: [String] = [], prefix: String, env: [String: String] = [:]) throws
    -> ProgramResult
  {
    var environment = env
    environment["LD_PRELOAD"] = try runtimeLibrary()
    environment["HEAPPROF_OUT"] = prefix
    return try runProgram(
      program, args, environment: environment,
      removing: [
        "HEAPPROF_SAMPLE_RATE", "HEAPPROF_INTERVAL", "HEAPPROF_INUSE_INTERVAL", "HEAPPROF_SIGNAL", "HEAPPROF_MAX_DEPTH",
        "HEAPPROF_AT_EXIT",
      ])
  }

  /// Dump files in `dir` (sorted by name).
  static func dumps(in dir: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".heap") }.sorted()
      .map { dir.appendingPathComponent($0).path }
  }

  /// Parses a dump and checks that its header holds the totals of its lines.
  static func load(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> HeapDump {
    let dump = try HeapDump(path: path)
    XCTAssertEqual(dump.headerTotals, dump.lineTotals, "\(path): header = sum of lines", file: file, line: line)
    return dump
  }

  /// Sums the lines whose leaf frame lies in `function` (in-use n, bytes, alloc n, bytes).
  static func totals(_ dump: HeapDump, _ symbols: ProgramSymbols, leaf function: String) -> [Int64] {
    dump.lines.filter { $0.frames.first.flatMap { symbols.name(returnAddress: $0) } == function }
      .reduce(into: [Int64](repeating: 0, count: 4)) { t, l in
        t[0] += l.inuseCount
        t[1] += l.inuseBytes
        t[2] += l.allocCount
        t[3] += l.allocBytes
      }
  }
}
