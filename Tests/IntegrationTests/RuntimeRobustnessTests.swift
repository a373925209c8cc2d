import Foundation
import HeapProfTestSupport
import XCTest

/// libheapprof.so under threads, fork, dlopen, signals, unwritable output and programs it
/// must not disturb; and its dependency list.
final class RuntimeRobustnessTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("robust")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  private var prefix: String { dir.appendingPathComponent("p").path }

  func testFourThreadsFreeingEachOthersMemory() throws {
    let program = try RuntimeHarness.compile("threads.c", into: dir, extra: ["-pthread"])
    let r = try RuntimeHarness.run(program, prefix: prefix)
    XCTAssertEqual(r.status, 0, r.stderr)
    let dump = try RuntimeHarness.load(try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first))
    let symbols = try ProgramSymbols(program: program, dump: dump)
    XCTAssertEqual(RuntimeHarness.totals(dump, symbols, leaf: "thread_alloc"), [20_000, 960_000, 40_000, 1_920_000])
  }

  func testForkGivesEachProcessItsOwnDump() throws {
    let program = try RuntimeHarness.compile("forking.c", into: dir)
    let r = try RuntimeHarness.run(program, prefix: prefix)
    XCTAssertEqual(r.status, 0, r.stderr)
    let words = Dictionary(
      uniqueKeysWithValues: r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
        .map { $0.split(separator: "=") }.map { (String($0[0]), String($0[1])) })
    let parent = try XCTUnwrap(words["parent"]), child = try XCTUnwrap(words["child"])
    XCTAssertEqual(words["child_status"], "0")
    XCTAssertEqual(
      try RuntimeHarness.dumps(in: dir), ["\(prefix).\(child).0001.heap", "\(prefix).\(parent).0001.heap"].sorted())
    let parentDump = try RuntimeHarness.load("\(prefix).\(parent).0001.heap")
    let childDump = try RuntimeHarness.load("\(prefix).\(child).0001.heap")
    XCTAssertEqual(parentDump.meta["pid"], parent)
    XCTAssertEqual(childDump.meta["pid"], child)
    XCTAssertEqual(childDump.meta["seq"], "1")
    let symbols = try ProgramSymbols(program: program, dump: parentDump)
    XCTAssertEqual(RuntimeHarness.totals(parentDump, symbols, leaf: "before_fork"), [3, 3000, 3, 3000])
    XCTAssertEqual(RuntimeHarness.totals(parentDump, symbols, leaf: "parent_alloc"), [7, 2100, 7, 2100])
    XCTAssertEqual(RuntimeHarness.totals(parentDump, symbols, leaf: "child_alloc"), [0, 0, 0, 0])
    XCTAssertEqual(RuntimeHarness.totals(childDump, symbols, leaf: "before_fork"), [3, 3000, 3, 3000])
    XCTAssertEqual(RuntimeHarness.totals(childDump, symbols, leaf: "child_alloc"), [5, 1000, 5, 1000])
    XCTAssertEqual(RuntimeHarness.totals(childDump, symbols, leaf: "parent_alloc"), [0, 0, 0, 0])
  }

  func testDlopenOfALibraryThatAllocatesInItsConstructor() throws {
    let plugin = try RuntimeHarness.compile("plugin.c", into: dir, extra: ["-shared", "-fPIC"], output: "libplugin.so")
    let program = try RuntimeHarness.compile("dlopening.c", into: dir, extra: ["-ldl"])
    let r = try RuntimeHarness.run(program, [plugin], prefix: prefix)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "done\n")
    let dump = try RuntimeHarness.load(try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first))
    func sum(ofSize size: Int64) -> [Int64] {
      dump.lines.filter { $0.allocCount > 0 && $0.allocBytes == $0.allocCount * size }
        .reduce(into: [Int64](repeating: 0, count: 4)) { t, l in
          t[0] += l.inuseCount
          t[1] += l.inuseBytes
          t[2] += l.allocCount
          t[3] += l.allocBytes
        }
    }
    XCTAssertEqual(sum(ofSize: 777), [8, 6216, 8, 6216])
    XCTAssertEqual(sum(ofSize: 555), [2, 1110, 4, 2220])
  }

  func testUnwritableOutputSaysOneLineAndKeepsTheExitStatus() throws {
    let program = try RuntimeHarness.compile("exitcode.c", into: dir)
    let r = try RuntimeHarness.run(program, prefix: "/nonexistent/heapprof/p")
    XCTAssertEqual(r.status, 3)
    XCTAssertEqual(r.stdout, "hello\n")
    let pid = try XCTUnwrap(r.stderr.split(separator: ".").dropFirst().first)
    XCTAssertEqual(
      r.stderr, "heapprof: cannot write /nonexistent/heapprof/p.\(pid).0001.heap: No such file or directory\n")
  }

  func testOtherProgramsRunUnchanged() throws {
    for (program, args) in [
      ("/bin/true", []), ("/bin/echo", ["hi"]), (try XCTUnwrap(which("python3")), ["-c", "pass"]),
      ("/bin/sh", ["-c", "echo out; echo err >&2; exit 7"]),
    ] as [(String, [String])] {
      let plain = try runProgram(program, args, removing: ["LD_PRELOAD", "HEAPPROF_OUT"])
      let traced = try RuntimeHarness.run(program, args, prefix: prefix)
      XCTAssertEqual(traced.stdout, plain.stdout, program)
      XCTAssertEqual(traced.stderr, plain.stderr, program)
      XCTAssertEqual(traced.status, plain.status, program)
    }
    // Each of those processes wrote a readable dump.
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertGreaterThanOrEqual(dumps.count, 4)
    for path in dumps { XCTAssertEqual(try RuntimeHarness.load(path).meta["reason"], "exit") }
  }

  func testRecordingIsOffWithoutHeapprofOut() throws {
    let program = try RuntimeHarness.compile("exitcode.c", into: dir)
    let r = try runProgram(
      program, [], environment: ["LD_PRELOAD": try RuntimeHarness.runtimeLibrary()], removing: ["HEAPPROF_OUT"])
    XCTAssertEqual([r.stdout, r.stderr], ["hello\n", ""])
    XCTAssertEqual(r.status, 3)
    XCTAssertEqual(try RuntimeHarness.dumps(in: dir), [])
  }

  func testSigusr2DumpsWhileTheProgramKeepsRunning() throws {
    let program = try RuntimeHarness.compile("signaled.c", into: dir)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = [prefix]
    var env = ProcessInfo.processInfo.environment
    env["LD_PRELOAD"] = try RuntimeHarness.runtimeLibrary()
    env["HEAPPROF_OUT"] = prefix
    env.removeValue(forKey: "HEAPPROF_SIGNAL")
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    var text = ""
    while !text.contains("\n") {
      let data = out.fileHandleForReading.availableData
      if data.isEmpty { break }
      text += String(decoding: data, as: UTF8.self)
    }
    XCTAssertTrue(text.hasPrefix("ready \(process.processIdentifier)"), text)
    kill(process.processIdentifier, SIGUSR2)
    text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    XCTAssertEqual(text, "ready \(process.processIdentifier)\ndumped\n")
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 2)
    let signal = try RuntimeHarness.load(dumps[0]), exit = try RuntimeHarness.load(dumps[1])
    XCTAssertEqual([signal.meta["reason"], exit.meta["reason"]], ["signal", "exit"])
    let symbols = try ProgramSymbols(program: program, dump: exit)
    XCTAssertEqual(RuntimeHarness.totals(signal, symbols, leaf: "before_signal"), [10, 10000, 10, 10000])
    XCTAssertEqual(RuntimeHarness.totals(signal, symbols, leaf: "after_signal"), [0, 0, 0, 0])
    XCTAssertEqual(RuntimeHarness.totals(exit, symbols, leaf: "after_signal"), [6, 3000, 6, 3000])
  }

  func testLibraryNeedsNoSwiftOrCxxRuntime() throws {
    let r = try runProgram("/usr/bin/readelf", ["-d", try RuntimeHarness.runtimeLibrary()])
    XCTAssertEqual(r.status, 0)
    let needed = r.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
      .compactMap { $0.split(separator: "[").last?.dropLast() }.map(String.init).sorted()
    XCTAssertEqual(needed, ["libc.so.6", "libunwind.so.8"])
    let nm = try runProgram("/usr/bin/nm", ["-D", "--defined-only", try RuntimeHarness.runtimeLibrary()])
    let exported = nm.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last }.map(String.init)
      .sorted()
    XCTAssertEqual(
      exported,
      [
        "_Exit", "_exit", "aligned_alloc", "calloc", "free", "heapprof_dump", "heapprof_get_stats",
        "heapprof_get_stats_sized", "heapprof_is_active",
        "heapprof_set_enabled", "malloc", "malloc_usable_size", "memalign", "posix_memalign", "pvalloc",
        "realloc", "reallocarray", "valloc",
      ])
  }
}
