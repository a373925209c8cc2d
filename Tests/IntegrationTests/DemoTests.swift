import Foundation
import HeapProfTestSupport
import XCTest

/// The built executables this suite drives: `heapprof` and `leak-check-example` from the
/// debug build, `cache-leak` from the release build (its Dictionary code is specialized
/// there, so the map's key and value types appear in the names, as in production).
enum Products {
  /// The debug products built with this test binary: the directory that holds it (so that
  /// `swift test --scratch-path DIR` tests DIR's builds), else .build/debug.
  static var debug: URL {
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), exe.hasSuffix(".xctest")
    {
      return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }
    return packageRoot().appendingPathComponent(".build/debug")
  }
  /// The release products next to them (tools/test builds cache-leak there).
  static var release: URL { debug.deletingLastPathComponent().appendingPathComponent("release") }

  static func path(_ name: String, release: Bool = false) throws -> String {
    let p = (release ? Products.release : Products.debug).appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: p) else {
      throw RuntimeHarnessError(description: "\(p) is missing: run tools/test (it builds it)")
    }
    return p
  }

  /// The HEAPPROF_* variables a test must not inherit from the shell that runs it.
  /// HEAPPROF_FP_WALK is not one of them: tools/test runs the runtime suites a second time
  /// with HEAPPROF_FP_WALK=0, which must reach the recorded programs (RuntimeUnwinderTests).
  static let recordingVariables = [
    "HEAPPROF_OUT", "LD_PRELOAD", "HEAPPROF_SAMPLE_RATE", "HEAPPROF_INTERVAL", "HEAPPROF_INUSE_INTERVAL",
    "HEAPPROF_SIGNAL", "HEAPPROF_MAX_DEPTH", "HEAPPROF_AT_EXIT", "HEAPPROF_SESSION",
  ]

  /// Runs the built `heapprof` with `args` (and the runtime under test).
  static func heapprof(_ args: [String], env: [String: String] = [:], in directory: URL? = nil) throws -> ProgramResult
  {
    var env = env
    env["HEAPPROF_RUNTIME"] = try RuntimeHarness.runtimeLibrary()
    return try runProgram(
      try path("heapprof"), args, environment: env, removing: recordingVariables, currentDirectory: directory)
  }

  /// Starts the built `heapprof` with `args` in the background.
  static func heapprofInBackground(_ args: [String], env: [String: String] = [:], in directory: URL? = nil) throws
    -> BackgroundProcess
  {
    var env = env
    env["HEAPPROF_RUNTIME"] = try RuntimeHarness.runtimeLibrary()
    return try BackgroundProcess(
      try path("heapprof"), args, environment: env, removing: recordingVariables, currentDirectory: directory)
  }
}

/// The demo end to end: the leak is visible in the dump, snapshots of a serving process
/// grow, and `growth`/`maps` name the leak (and nothing for the fixed variant).
final class DemoTests: XCTestCase {
  /// Sums the folded stacks (`a;b;c value`) whose frames contain `needle`.
  func foldedSum(_ folded: String, through needle: String) -> (total: Int64, largestHasNeedle: Bool) {
    var total: Int64 = 0
    var largest: (Int64, Bool) = (-1, false)
    for line in folded.split(separator: "\n") {
      guard let space = line.lastIndex(of: " "), let value = Int64(line[line.index(after: space)...]) else { continue }
      let has = line[..<space].contains(needle)
      if has { total += value }
      if value > largest.0 { largest = (value, has) }
    }
    return (total, largest.1)
  }

  func record(_ dir: URL, _ demoArgs: [String]) throws -> [String] {
    let r = try Products.heapprof(
      ["record", "-o", dir.appendingPathComponent("demo").path, "--", try Products.path("cache-leak", release: true)]
        + demoArgs)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stderr.contains("1 dump:"), r.stderr)
    return try RuntimeHarness.dumps(in: dir)
  }

  func testLeakHoldsEveryPayloadUnderTheRequestHandler() throws {
    let dir = try RuntimeHarness.temporaryDirectory("demo-leak")
    let dumps = try record(dir, ["--mode", "leak", "--requests", "2000", "--payload", "4096"])
    XCTAssertEqual(dumps.count, 1)
    let folded = try Products.heapprof(["folded", "--sample-index", "inuse_space", dumps[0]])
    XCTAssertEqual(folded.status, 0, folded.stderr)
    let (bytes, largest) = foldedSum(folded.stdout, through: "Service.handleRequest")
    XCTAssertGreaterThanOrEqual(bytes, 2000 * 4096, "in-use under handleRequest")
    XCTAssertTrue(largest, "the largest in-use stack runs through the request handler")
    let top = try Products.heapprof(["top", "--cum", "--nodecount", "12", dumps[0]])
    XCTAssertFalse(top.stdout.contains("$s"), "names are demangled:\n\(top.stdout)")
    XCTAssertTrue(top.stdout.contains("CacheLeakDemo.Service.handleRequest(_:)"), top.stdout)
  }

  func testFixedCacheStaysWithinItsCapacity() throws {
    let dir = try RuntimeHarness.temporaryDirectory("demo-fixed")
    let dumps = try record(dir, ["--mode", "fixed", "--capacity", "100", "--requests", "2000", "--payload", "4096"])
    let folded = try Products.heapprof(["folded", "--sample-index", "inuse_space", dumps[0]])
    let (bytes, _) = foldedSum(folded.stdout, through: "Service.handleRequest")
    // 100 live entries of 4096 payload bytes, plus keys, objects and the table.
    XCTAssertGreaterThanOrEqual(bytes, 100 * 4096)
    XCTAssertLessThan(bytes, 100 * 4096 * 3 / 2)
    let maps = try Products.heapprof(["maps", dumps[0]])
    XCTAssertTrue(maps.stdout.contains("Verdict: no finding"), maps.stdout)
  }

  /// Starts the demo serving under `record`, takes three snapshots 1 s apart, stops it.
  func serveAndSnapshot(_ mode: String, _ name: String) throws -> [String] {
    try DemoSeries.serveAndSnapshot(mode, name)
  }

  /// In-use bytes from a dump's header line.
  func headerInuse(_ path: String) throws -> Int64 {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let first = text.prefix { $0 != "\n" }
    let fields = first.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "[" })
    return Int64(fields[3])!
  }

  func testLeakSnapshotsGrowAndGrowthNamesTheCache() throws {
    let snapshots = try serveAndSnapshot("leak", "serve-leak")
    XCTAssertEqual(snapshots.count, 3)
    let inuse = try snapshots.map(headerInuse)
    XCTAssertLessThan(inuse[0], inuse[1])
    XCTAssertLessThan(inuse[1], inuse[2])

    let json = try Products.heapprof(["growth", "--format", "json"] + snapshots)
    XCTAssertEqual(json.status, 0, json.stderr)
    let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(doc["suspects"] as? Int, 1, json.stdout)
    let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
    let suspect = try XCTUnwrap(groups.first)
    XCTAssertEqual(suspect["verdict"] as? String, "cache without eviction")
    XCTAssertEqual(suspect["map"] as? String, "Dictionary<String, HeavyObject>")
    XCTAssertEqual(suspect["mapOwner"] as? String, "CacheLeakDemo.ResponseCache.store(_:for:)")
    XCTAssertGreaterThanOrEqual(try XCTUnwrap(suspect["growthShare"] as? Double), 0.9)
    XCTAssertTrue((suspect["insertPath"] as? [String] ?? []).contains("CacheLeakDemo.Service.handleRequest(_:)"))

    let text = try Products.heapprof(["growth"] + snapshots)
    XCTAssertTrue(text.stdout.contains("Verdict: 1 leak suspect"), text.stdout)
    let failing = try Products.heapprof(["growth", "--fail-on-growth", "1KiB"] + snapshots)
    XCTAssertEqual(failing.status, 1, "growth over the limit fails a CI job")

    let maps = try Products.heapprof(["maps", snapshots[2]])
    XCTAssertTrue(
      maps.stdout.contains("Dictionary<String, HeavyObject> owned by CacheLeakDemo.ResponseCache.store(_:for:)"),
      maps.stdout)
    XCTAssertTrue(maps.stdout.contains("grows and never shrinks"), maps.stdout)
  }

  func testFixedAndChurnHaveNoSuspect() throws {
    for mode in ["fixed", "churn"] {
      let snapshots = try serveAndSnapshot(mode, "serve-\(mode)")
      let json = try Products.heapprof(["growth", "--format", "json"] + snapshots)
      let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
      XCTAssertEqual(doc["suspects"] as? Int, 0, "\(mode): \(json.stdout)")
      let maps = try Products.heapprof(["maps", snapshots[2]])
      if mode == "fixed" {
        XCTAssertTrue(maps.stdout.contains("Verdict: no finding"), maps.stdout)
      } else {
        XCTAssertTrue(
          maps.stdout.contains("* churn: Dictionary<String, HeavyObject> in CacheLeakDemo.Service"), maps.stdout)
        XCTAssertFalse(maps.stdout.contains("grows and never shrinks"), maps.stdout)
      }
    }
  }

  func testLeakCheckRegionFindsThePlantedLeakOnly() throws {
    let example = try Products.path("leak-check-example")
    let dir = try RuntimeHarness.temporaryDirectory("leakcheck")
    let r = try RuntimeHarness.run(
      example, prefix: dir.appendingPathComponent("lc").path, env: ["HEAPPROF_AT_EXIT": "0"])
    XCTAssertEqual(r.status, 0, r.stderr)
    // 3 runs × 100 sessions, each an entry in the registry with a 1000-byte array.
    XCTAssertTrue(r.stdout.contains("leaky: clean=false"), r.stdout)
    XCTAssertTrue(r.stdout.contains("through-registerSession=true"), r.stdout)
    XCTAssertTrue(r.stdout.contains("clean: clean=true objects=0 bytes=0"), r.stdout)
    let plain = try runProgram(example, [], removing: ["LD_PRELOAD", "HEAPPROF_OUT"])
    XCTAssertEqual(plain.status, 3)
    XCTAssertTrue(plain.stderr.contains("heapprof is not recording this process"), plain.stderr)
  }

  func testBadInputIsOneLineAndStatusTwo() throws {
    let dir = try RuntimeHarness.temporaryDirectory("badinput")
    let empty = dir.appendingPathComponent("empty.heap")
    FileManager.default.createFile(atPath: empty.path, contents: Data())
    for (args, needle) in [
      (["top", empty.path], empty.path + ":"),
      (["top", dir.path], "is a directory"),
      (["top", dir.appendingPathComponent("missing.heap").path], "no such file"),
      (["snapshot", "999999"], "no process with pid 999999"),
      (["growth", empty.path], "give at least two snapshots"),
    ] {
      let r = try Products.heapprof(args)
      XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
      if args[0] != "growth" {
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
      }
    }
  }
}

/// A serving demo's snapshots, for the tests that need a real series.
enum DemoSeries {
  /// Starts the demo serving under `record`, takes three snapshots 1 s apart, stops it.
  static func serveAndSnapshot(_ mode: String, _ name: String) throws -> [String] {
    let dir = try RuntimeHarness.temporaryDirectory(name)
    let log = dir.appendingPathComponent("serve.log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try Products.path("heapprof"))
    process.arguments = [
      "record", "-o", dir.appendingPathComponent("serve").path, "--",
      try Products.path("cache-leak", release: true), "--mode", mode, "--serve", "30", "--rate", "400",
    ]
    var env = ProcessInfo.processInfo.environment
    env["HEAPPROF_RUNTIME"] = try RuntimeHarness.runtimeLibrary()
    process.environment = env
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    var pid: String?
    for _ in 0..<100 where pid == nil {
      usleep(100_000)
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cache-leak pid ") }) {
        pid = line.dropFirst("cache-leak pid ".count).split(separator: ":").first.map(String.init)
      }
    }
    let demoPid = try XCTUnwrap(pid, "cache-leak did not start")
    var snapshots: [String] = []
    for _ in 0..<3 {
      usleep(1_000_000)
      let r = try Products.heapprof(["snapshot", demoPid])
      XCTAssertEqual(r.status, 0, r.stderr)
      snapshots.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    kill(pid_t(demoPid)!, SIGTERM)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    let text = try String(contentsOf: log, encoding: .utf8)
    XCTAssertTrue(text.contains("cache-leak: handled"), "the demo kept serving and exited cleanly:\n\(text)")
    return snapshots.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
  }
}
