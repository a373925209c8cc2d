import Foundation
import HeapProfRuntime
import HeapProfTestSupport
import XCTest

/// `heapprof record` and `heapprof snapshot` through the executable, as a user runs them:
/// signals and the terminal, every option, option/variable precedence, and finding the
/// recorded process and its dumps.
final class RecordCommandTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("record")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  private func program(_ name: String, extra: [String] = [], output: String? = nil) throws -> String {
    try RuntimeHarness.compile(name, into: dir, extra: extra, output: output)
  }

  private var prefix: String { dir.appendingPathComponent("p").path }

  /// In-use (count, bytes) of the lines whose leaf frame is `function` in `program`.
  private func inuse(_ dumpPath: String, _ program: String, _ function: String) throws -> [Int64] {
    let dump = try RuntimeHarness.load(dumpPath)
    let totals = RuntimeHarness.totals(dump, try ProgramSymbols(program: program, dump: dump), leaf: function)
    return Array(totals.prefix(2))
  }

  // MARK: - Signals and the terminal

  func testCtrlCOnATerminalStopsTheProgramAndWritesItsLastDump() throws {
    let waiting = try program("waiting.c")
    let ptyrun = try program("ptyrun.c", extra: ["-lutil"])
    let heapprof = try Products.path("heapprof")
    // ptyrun types Ctrl-C once the program says "ready"; without it, it would sleep 60 s.
    let r = try runProgram(
      ptyrun, ["ready", "^C", "--", heapprof, "record", "-o", prefix, "--", waiting, "60"],
      environment: ["HEAPPROF_RUNTIME": try RuntimeHarness.runtimeLibrary()], removing: Products.recordingVariables)
    XCTAssertEqual(r.status, 128 + SIGINT, "heapprof ends by SIGINT like its program:\n\(r.stdout)")
    XCTAssertFalse(r.stdout.contains("done"), r.stdout)
    XCTAssertTrue(r.stdout.contains("was killed by SIGINT; 1 dump:"), r.stdout)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 1)
    XCTAssertEqual(try RuntimeHarness.load(dumps[0]).meta["reason"], "exit-SIGINT")
    XCTAssertEqual(try inuse(dumps[0], waiting, "make_kept"), [10, 10_000])
  }

  func testSigtermSentToTheRecorderReachesTheProgramAndEndsBothTheSameWay() throws {
    let waiting = try program("waiting.c")
    let recorder = try Products.heapprofInBackground(["record", "-o", prefix, "--", waiting, "60"])
    let child = try XCTUnwrap(Int32(try recorder.waitFor("^ready ([0-9]+)")))
    XCTAssertEqual(kill(recorder.pid, SIGTERM), 0)
    let r = recorder.wait()
    XCTAssertEqual(r.status, 128 + SIGTERM, r.stderr)
    XCTAssertTrue(r.stderr.contains("(pid \(child)) was killed by SIGTERM; 1 dump:"), r.stderr)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.map { URL(fileURLWithPath: $0).lastPathComponent }, ["p.\(child).0001.heap"])
    XCTAssertEqual(try RuntimeHarness.load(dumps[0]).meta["reason"], "exit-SIGTERM")
    XCTAssertEqual(try inuse(dumps[0], waiting, "make_kept"), [10, 10_000])
  }

  func testSigkillSaysWhyThereIsNoDump() throws {
    let waiting = try program("waiting.c")
    let recorder = try Products.heapprofInBackground(["record", "-o", prefix, "--", waiting, "60"])
    let child = try XCTUnwrap(Int32(try recorder.waitFor("^ready ([0-9]+)")))
    XCTAssertEqual(kill(child, SIGKILL), 0)
    let r = recorder.wait()
    XCTAssertEqual(r.status, 128 + SIGKILL)
    XCTAssertTrue(
      r.stderr.contains(
        "was killed by SIGKILL and wrote no dump under \(prefix): SIGKILL cannot be caught, so no last dump is possible"
      ),
      r.stderr)
    XCTAssertEqual(try RuntimeHarness.dumps(in: dir), [])
  }

  func testStaticProgramSaysItCannotBePreloaded() throws {
    let waiting = try program("waiting.c", extra: ["-static"], output: "waiting-static")
    let r = try Products.heapprof(["record", "-o", prefix, "--", waiting, "0"])
    XCTAssertEqual(r.status, 0)
    XCTAssertTrue(
      r.stderr.contains("\(waiting) is statically linked, so the runtime cannot be preloaded into it"), r.stderr)
  }

  // MARK: - Options

  func testIntervalTakesFractionalSeconds() throws {
    let waiting = try program("waiting.c")
    let r = try Products.heapprof(["record", "-o", prefix, "--interval", "0.5", "--", waiting, "2.2"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertFalse(r.stderr.contains("HEAPPROF_INTERVAL"), "no complaint from the runtime:\n\(r.stderr)")
    let reasons = try RuntimeHarness.dumps(in: dir).map { try RuntimeHarness.load($0).meta["reason"] ?? "?" }
    XCTAssertEqual(reasons.last, "exit")
    XCTAssertGreaterThanOrEqual(reasons.filter { $0 == "interval" }.count, 3, "\(reasons)")
    XCTAssertEqual(reasons.filter { $0 != "interval" }, ["exit"])

    let off = try Products.heapprof([
      "record", "-o", dir.appendingPathComponent("off").path, "--interval", "0", "--", waiting, "0.3",
    ])
    XCTAssertEqual(off.status, 0)
    XCTAssertTrue(off.stderr.contains("exited with status 0; 1 dump:"), off.stderr)
    XCTAssertFalse(off.stderr.contains("warning"), off.stderr)
  }

  func testSignalOptionRefusesSignalsThatKillStopOrFault() throws {
    let waiting = try program("waiting.c")
    for (signal, reason) in [
      ("KILL", "SIGKILL cannot be caught"), ("9", "SIGKILL cannot be caught"), ("STOP", "SIGSTOP cannot be caught"),
      ("19", "SIGSTOP cannot be caught"), ("CONT", "SIGCONT stops or continues the program"),
      ("SEGV", "SIGSEGV is raised by the kernel for faults"), ("CHLD", "a handler for SIGCHLD changes"),
    ] {
      let r = try Products.heapprof(["record", "-o", prefix, "--signal", signal, "--", waiting, "0"])
      XCTAssertEqual(r.status, 2, signal)
      XCTAssertTrue(r.stderr.contains("--signal: \(reason)"), "\(signal): \(r.stderr)")
      XCTAssertEqual(r.stdout, "", "\(signal): the program did not run")
    }
    let term = try Products.heapprof(["record", "-o", prefix, "--signal", "TERM", "--", waiting, "0"])
    XCTAssertEqual(term.status, 0)
    XCTAssertTrue(
      term.stderr.hasPrefix(
        "heapprof: warning: with --signal TERM, `kill PID` takes a dump instead of stopping the program\n"),
      term.stderr)
  }

  /// The CLI and the runtime apply one rule to every signal number.
  func testSignalRuleIsTheRuntimes() throws {
    for n in Int32(0)...64 {
      let r = try Products.heapprof(["record", "-o", prefix, "--signal", String(n), "--", "/bin/true"])
      let allowed = n == 0 || hp_signal_allowed(n) == 1
      XCTAssertEqual(r.status, allowed ? 0 : 2, "signal \(n): \(r.stderr)")
    }
  }

  func testHelpAndUnknownOptionsBeforeTheProgramAreHeapprofs() throws {
    for flag in ["--help", "-h"] {
      let r = try Products.heapprof(["record", flag])
      XCTAssertEqual(r.status, 0, flag)
      XCTAssertTrue(r.stdout.contains("USAGE: heapprof record [options] [--] PROGRAM [ARGS...]"), r.stdout)
      XCTAssertFalse(r.stderr.contains("cannot run"), r.stderr)
    }
    let typo = try Products.heapprof(["record", "--sample_rate", "5", "/bin/true"])
    XCTAssertEqual(typo.status, 2)
    XCTAssertTrue(typo.stderr.contains("Unknown option '--sample_rate'. Did you mean '--sample-rate'?"), typo.stderr)
    // From the program's name on, every argument is the program's, --help included.
    let passed = try Products.heapprof([
      "record", "-o", prefix, "/bin/sh", "-c", "echo \"$@\"", "sh", "--help", "-o", "x",
    ])
    XCTAssertEqual(passed.status, 0, passed.stderr)
    XCTAssertEqual(passed.stdout, "--help -o x\n")
  }

  func testOptionsWinOverVariablesWhichWinOverDefaults() throws {
    let waiting = try program("waiting.c")
    func header(_ args: [String], env: [String: String], _ name: String) throws -> HeapDump {
      let p = dir.appendingPathComponent(name).path
      let r = try Products.heapprof(["record", "-o", p] + args + ["--", waiting, "0"], env: env)
      XCTAssertEqual(r.status, 0, r.stderr)
      return try RuntimeHarness.load(try XCTUnwrap(DumpFilesOf(p).first))
    }
    let fromVariable = try header([], env: ["HEAPPROF_SAMPLE_RATE": "512KiB", "HEAPPROF_MAX_DEPTH": "3"], "v")
    XCTAssertEqual(fromVariable.sampleRate, 524_288)
    XCTAssertEqual(fromVariable.meta["max_depth"], "3")
    let fromOption = try header(["--sample-rate", "0"], env: ["HEAPPROF_SAMPLE_RATE": "512KiB"], "o")
    XCTAssertEqual(fromOption.sampleRate, 0)
    XCTAssertEqual(fromOption.meta["max_depth"], "64")
    let bad = try Products.heapprof(["record", "-o", prefix, "--", waiting, "0"], env: ["HEAPPROF_INTERVAL": "soon"])
    XCTAssertEqual(bad.status, 2)
    XCTAssertEqual(
      bad.stderr,
      "heapprof: HEAPPROF_INTERVAL in the environment: 'soon' is not a number of seconds (0 for off, or at least 0.001; e.g. 0.5, 10)\n"
    )
    // The runtime reads the CLI's sizes too.
    let direct = try RuntimeHarness.run(
      waiting, ["0"], prefix: dir.appendingPathComponent("d").path,
      env: ["HEAPPROF_SAMPLE_RATE": "1.5KiB"])
    XCTAssertEqual(direct.stderr, "")
    XCTAssertEqual(
      try RuntimeHarness.load(try XCTUnwrap(DumpFilesOf(dir.appendingPathComponent("d").path).first)).sampleRate, 1536)
  }

  func testOutputDirectoryPutsDumpsInsideIt() throws {
    let waiting = try program("waiting.c")
    let out = dir.appendingPathComponent("dumps")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let r = try Products.heapprof(["record", "-o", out.path, "--", waiting, "0"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
    XCTAssertEqual(names.count, 1)
    XCTAssertTrue(names[0].hasPrefix("heapprof.waiting.") && names[0].hasSuffix(".0001.heap"), "\(names)")
  }

  // MARK: - Finding the recorded process and its dumps

  func testRecordSaysThePidWhenTheProgramStartsAndSnapshotOfTheRecorderTakesItsProgram() throws {
    let waiting = try program("waiting.c")
    let recorder = try Products.heapprofInBackground(["record", "-o", prefix, "--", waiting, "60"])
    let child = try XCTUnwrap(Int32(try recorder.waitFor("^ready ([0-9]+)")))
    let announced = try recorder.waitFor(
      "^heapprof: recording ([0-9]+) \\(snapshot: heapprof snapshot [0-9]+\\)$", inStderr: true)
    XCTAssertEqual(announced, String(child))
    let snap = try Products.heapprof(["snapshot", String(recorder.pid)])
    XCTAssertEqual(snap.status, 0, snap.stderr)
    XCTAssertEqual(snap.stdout, "\(prefix).\(child).0001.heap\n")
    XCTAssertTrue(
      snap.stderr.contains("is not recorded itself; taking the snapshot of its program, pid \(child)"), snap.stderr)
    kill(child, SIGTERM)
    let r = recorder.wait()
    XCTAssertTrue(r.stderr.contains("next: heapprof top \(prefix).\(child).0002.heap"), r.stderr)
  }

  func testTwoRecordingsInOneDirectoryListOnlyTheirOwnDumps() throws {
    let waiting = try program("waiting.c")
    let first = try Products.heapprofInBackground(["record", "-o", prefix, "--", waiting, "1.0"])
    let second = try Products.heapprofInBackground(["record", "-o", prefix, "--", waiting, "1.0"])
    let a = try first.waitFor("^ready ([0-9]+)"), b = try second.waitFor("^ready ([0-9]+)")
    let ra = first.wait(), rb = second.wait()
    XCTAssertTrue(ra.stderr.contains("1 dump:\n  \(prefix).\(a).0001.heap\nnext:"), ra.stderr)
    XCTAssertTrue(rb.stderr.contains("1 dump:\n  \(prefix).\(b).0001.heap\nnext:"), rb.stderr)
  }

  func testSnapshotSendsTheSignalTheRuntimeInstalled() throws {
    let waiting = try program("waiting.c")
    let runtime = try RuntimeHarness.runtimeLibrary()
    // USR1 installed: USR2 (the default) would kill the program. KILL is refused by the
    // runtime, which falls back to USR2: snapshot must send USR2, not KILL.
    for (variable, expected) in [("USR1", SIGUSR1), ("KILL", SIGUSR2)] {
      let p = dir.appendingPathComponent("s\(variable)").path
      let program = try BackgroundProcess(
        waiting, ["2"], environment: ["LD_PRELOAD": runtime, "HEAPPROF_OUT": p, "HEAPPROF_SIGNAL": variable],
        removing: Products.recordingVariables)
      let pid = try program.waitFor("^ready ([0-9]+)")
      let snap = try Products.heapprof(["snapshot", pid])
      XCTAssertEqual(snap.status, 0, "\(variable): \(snap.stderr)")
      XCTAssertEqual(snap.stdout, "\(p).\(pid).0001.heap\n")
      let r = program.wait()
      XCTAssertEqual(r.status, 0, "\(variable): the program survived the snapshot (\(expected))")
      XCTAssertEqual(r.stdout, "ready \(pid)\ndone\n")
    }
  }

  func testSnapshotFindsARelativePrefixFromAnotherDirectoryWithOrWithoutTheStateFile() throws {
    let waiting = try program("waiting.c")
    let workdir = dir.appendingPathComponent("work"), elsewhere = dir.appendingPathComponent("elsewhere")
    for d in [workdir, elsewhere] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
    let program = try BackgroundProcess(
      waiting, ["3"], environment: ["LD_PRELOAD": try RuntimeHarness.runtimeLibrary(), "HEAPPROF_OUT": "rel"],
      removing: Products.recordingVariables, currentDirectory: workdir)
    let pid = try program.waitFor("^ready ([0-9]+)")
    let first = try Products.heapprof(["snapshot", pid], in: elsewhere)
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertEqual(first.stdout, "\(workdir.path)/rel.\(pid).0001.heap\n")
    // Without the state file (an older runtime, or /tmp not writable), from the environment.
    let state = "/tmp/heapprof-\(geteuid())/\(pid).state"
    XCTAssertTrue(FileManager.default.fileExists(atPath: state))
    try FileManager.default.removeItem(atPath: state)
    let second = try Products.heapprof(["snapshot", pid], in: elsewhere)
    XCTAssertEqual(second.status, 0, second.stderr)
    XCTAssertEqual(second.stdout, "\(workdir.path)/rel.\(pid).0002.heap\n")
    XCTAssertEqual(program.wait().status, 0)
  }

  func testSnapshotOfAProgramThatOverwritesItsEnvironment() throws {
    let retitle = try program("retitle.c")
    let recorder = try Products.heapprofInBackground(["record", "-o", prefix, "--", retitle, "3"])
    let pid = try recorder.waitFor("^ready ([0-9]+)")
    let environ = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")), as: UTF8.self)
    XCTAssertFalse(environ.contains("HEAPPROF_OUT"), "the program hid its environment")
    let snap = try Products.heapprof(["snapshot", pid])
    XCTAssertEqual(snap.status, 0, snap.stderr)
    XCTAssertEqual(snap.stdout, "\(prefix).\(pid).0001.heap\n")
    XCTAssertEqual(try inuse("\(prefix).\(pid).0001.heap", retitle, "make_kept"), [10, 10_000])
    XCTAssertEqual(recorder.wait().status, 0)
  }

  func testForkChildLeavingWithExitWritesNoDumpAndNextNamesTheProgram() throws {
    let forkexit = try program("forkexit.c")
    for mode in ["return", "exit_"] {
      let p = dir.appendingPathComponent(mode).path
      let r = try Products.heapprof(["record", "-o", p, "--", forkexit, mode])
      XCTAssertEqual(r.status, 0, r.stderr)
      let pids = r.stdout.split(separator: " ")
      let (parent, child) = (String(pids[1]), String(pids[3]).trimmingCharacters(in: .newlines))
      XCTAssertTrue(
        r.stderr.contains("1 dump:\n  \(p).\(parent).0001.heap\nnext: heapprof top \(p).\(parent).0001.heap"), r.stderr)
      XCTAssertFalse(FileManager.default.fileExists(atPath: "\(p).\(child).0001.heap"), "no dump of the _exit child")
      let dump = "\(p).\(parent).0001.heap"
      XCTAssertEqual(try RuntimeHarness.load(dump).meta["reason"], "exit", mode)
      XCTAssertEqual(try inuse(dump, forkexit, "parent_blocks"), [5, 500], mode)
      XCTAssertEqual(try inuse(dump, forkexit, "child_blocks"), [0, 0], mode)
    }
  }

  func testStateFileIsPrivateAndGoneAtExit() throws {
    let waiting = try program("waiting.c")
    let recorder = try Products.heapprofInBackground(["record", "-o", prefix, "--", waiting, "60"])
    let pid = try recorder.waitFor("^ready ([0-9]+)")
    let stateDir = "/tmp/heapprof-\(geteuid())"
    let attributes = try FileManager.default.attributesOfItem(atPath: stateDir)
    XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o700)
    let state = try String(contentsOfFile: "\(stateDir)/\(pid).state", encoding: .utf8)
    XCTAssertTrue(state.hasPrefix("heapprof-state 1\npid \(pid)\nstart "), state)
    XCTAssertTrue(
      state.hasSuffix(
        "\nsignal 12\nsample_rate 0\nsession \(try XCTUnwrap(state.split(separator: "\n")[5].split(separator: " ").last))\nprefix \(prefix)\n"
      ), state)
    kill(Int32(pid)!, SIGTERM)
    _ = recorder.wait()
    XCTAssertFalse(FileManager.default.fileExists(atPath: "\(stateDir)/\(pid).state"))
  }

  /// The dumps under `prefix`, sorted.
  private func DumpFilesOf(_ prefix: String) throws -> [String] {
    let url = URL(fileURLWithPath: prefix)
    return try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
      .filter { $0.hasPrefix(url.lastPathComponent + ".") && $0.hasSuffix(".heap") }.sorted()
      .map { url.deletingLastPathComponent().appendingPathComponent($0).path }
  }
}
