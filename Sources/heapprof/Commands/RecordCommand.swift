import ArgumentParser
import Foundation
import Symbolization

/// `heapprof record`: runs a program with the runtime preloaded and lists its dumps.
struct RecordCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Run a program with every allocation recorded, and write heap dumps.",
    usage: "heapprof record [options] [--] PROGRAM [ARGS...]",
    discussion: """
      The program runs with libheapprof.so preloaded. Every malloc-family call is recorded \
      with its stack (or a Poisson sample of them with --sample-rate). Dumps are written to \
      PREFIX.<pid>.<seq>.heap at exit, on the signal (see `heapprof snapshot`), every \
      --interval seconds and whenever in-use memory grew by --inuse-interval. Child processes \
      are recorded too, each under its own pid.

      Options come before the program (or before --); everything from the program's name on \
      is the program's. An option given here wins over the HEAPPROF_* variable of the same \
      meaning, and a variable already set in the environment wins over the default.

      The program behaves as it would alone: Ctrl-C reaches it, SIGINT, SIGTERM and SIGHUP \
      sent to heapprof are passed on to it, and heapprof ends the way it ended (its exit \
      status, or the same signal). When it is stopped by SIGINT, SIGTERM or SIGHUP and has no \
      handler of its own, the runtime writes a last dump first.

      Examples:
        heapprof record -- ./server --port 8080
        heapprof record -o /tmp/prof/cache --interval 10 -- cache-leak --serve 60
        heapprof record --sample-rate 512KiB ./batch-job input.txt
      """
  )

  @Option(
    name: [.short, .customLong("output")],
    help: ArgumentHelp(
      "Path prefix of the dumps, or an existing directory to put them in (default: heapprof.PROGRAM, or $HEAPPROF_OUT).",
      valueName: "prefix"))
  var output: String?

  @Option(
    help: ArgumentHelp(
      "Record one allocation per this many bytes on average (e.g. 512KiB); 0 records every allocation (default).",
      valueName: "bytes"))
  var sampleRate: String?

  @Option(
    help: ArgumentHelp("Also dump every this many seconds (fractions allowed: 0.5); 0 is off.", valueName: "seconds"))
  var interval: String?

  @Option(help: ArgumentHelp("Also dump whenever in-use bytes grew by this much (e.g. 100MiB).", valueName: "bytes"))
  var inuseInterval: String?

  @Option(
    help: ArgumentHelp(
      "Signal that asks for a dump: USR2 (default), USR1, PROF, RTMIN+N, a number, or 0 for none.",
      valueName: "signal"))
  var signal: String?

  @Option(help: ArgumentHelp("Frames kept per stack (1-256, default 64).", valueName: "n"))
  var maxDepth: Int?

  @Flag(help: "Do not dump when the program exits.")
  var noExitDump = false

  @Argument(
    parsing: .postTerminator,
    help: ArgumentHelp(
      "The program and its arguments.", valueName: "program"))
  var command: [String] = []

  /// Options that take a value, so that ``splitProgram(_:)`` can tell an option's value
  /// from the program's name.
  static let optionsWithValues: Set<String> = [
    "-o", "--output", "--sample-rate", "--interval", "--inuse-interval", "--signal", "--max-depth",
  ]

  /// Puts `--` before the program's name when the user left it out, so that options
  /// before the program are heapprof's (an unknown one is a usage error, `--help` is
  /// heapprof's help) and everything from the program's name on is the program's.
  static func splitProgram(_ arguments: [String]) -> [String] {
    var i = 0
    while i < arguments.count {
      let a = arguments[i]
      if a == "--" { return arguments }
      if a.hasPrefix("-") && a != "-" {
        if optionsWithValues.contains(a) { i += 1 }  // its value follows
        i += 1
        continue
      }
      return Array(arguments[..<i]) + ["--"] + Array(arguments[i...])
    }
    return arguments
  }

  func validate() throws {
    guard !command.isEmpty else {
      throw ValidationError("name the program to record: heapprof record [options] -- PROGRAM [ARGS...]")
    }
    if let sampleRate { _ = try RecordSettings.size(sampleRate, "--sample-rate") }
    if let inuseInterval { _ = try RecordSettings.size(inuseInterval, "--inuse-interval") }
    if let interval { _ = try RecordSettings.seconds(interval, "--interval") }
    if let signal { _ = try RecordSettings.signal(signal, "--signal") }
    if let maxDepth, !(1...256).contains(maxDepth) { throw ValidationError("--max-depth must be between 1 and 256") }
  }

  func execute() throws {
    let argv = command
    let runtime = try RuntimeLocator.locate()
    let programName = URL(fileURLWithPath: argv[0]).lastPathComponent
    var env = System.currentEnvironment
    let settings = try RecordSettings(
      options: self, environment: env, defaultPrefix: "heapprof.\(programName)")
    if let warning = SignalName.takeoverWarning(settings.signal) { printError("heapprof: warning: \(warning)") }
    if Self.isCPython(programName), env["PYTHONMALLOC"] != "malloc" {
      printError(
        "heapprof: note: CPython serves objects of 512 bytes or less from its own pymalloc arenas, which malloc never "
          + "sees; to record them too, run with PYTHONMALLOC=malloc (heapprof record -- env PYTHONMALLOC=malloc \(argv[0]) ...)"
      )
    }
    let session = "rec\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    env["LD_PRELOAD"] = env["LD_PRELOAD"].map { "\(runtime):\($0)" } ?? runtime
    for (name, value) in settings.variables { env[name] = value }
    env["HEAPPROF_SESSION"] = session

    let before = Set(DumpFiles.list(prefix: settings.prefix))
    let mask = System.blockForwardedSignals()
    let pid = try System.spawn(argv[0], Array(argv.dropFirst()), environment: env, signalMask: mask)
    printError("heapprof: recording \(pid) (snapshot: heapprof snapshot \(pid))")
    let ending = System.waitForwardingSignals(to: pid)

    let written = DumpFiles.entries(prefix: settings.prefix).filter {
      !before.contains($0.path) && DumpFiles.metadata($0.path)?["session"] == session
    }
    report(written, program: argv[0], pid: pid, ending: ending, settings: settings)
    System.endLike(ending)
  }

  /// Whether a program name is CPython's (`python`, `python3`, `python3.11`, `python3.12d`).
  static func isCPython(_ name: String) -> Bool {
    guard name.hasPrefix("python") else { return false }
    return name.dropFirst("python".count).allSatisfy { $0.isNumber || $0 == "." || $0 == "d" || $0 == "m" }
  }

  /// Lists the dumps of this run (the program's and its children's, not another
  /// recording's in the same directory), or says in one line why there is none.
  private func report(
    _ written: [DumpFiles.Entry], program: String, pid: Int32, ending: System.Ending, settings: RecordSettings
  ) {
    let how: String
    switch ending {
    case .exited(let status): how = "exited with status \(status)"
    case .killed(let signal): how = "was killed by \(SignalName.name(signal))"
    }
    guard !written.isEmpty else {
      printError(
        "heapprof: \(program) (pid \(pid)) \(how) and wrote no dump under \(DumpFiles.display(settings.prefix)): "
          + noDumpReason(program: program, ending: ending, settings: settings))
      return
    }
    printError("heapprof: \(program) (pid \(pid)) \(how); \(written.count) dump\(written.count == 1 ? "" : "s"):")
    // The program's own dumps first, then its children's (a shell script forks many).
    let own = written.filter { $0.pid == pid }
    let children = written.filter { $0.pid != pid }
    for entry in own { printError("  \(DumpFiles.display(entry.path))") }
    for entry in children.prefix(5) { printError("  \(DumpFiles.display(entry.path))  (child process \(entry.pid))") }
    if children.count > 5 {
      let pids = Set(children.dropFirst(5).map(\.pid)).count
      printError(
        "  ... and \(children.count - 5) more of \(pids) other child process\(pids == 1 ? "" : "es") (ls \(DumpFiles.display(settings.prefix)).*.heap)"
      )
    }
    if let last = own.last {
      printError("next: heapprof top \(DumpFiles.display(last.path))")
    } else {
      printError(
        "heapprof: \(program) itself wrote no dump (\(noDumpReason(program: program, ending: ending, settings: settings))); "
          + "the dumps above are its child processes'")
    }
  }

  /// Why the program wrote no dump, as far as heapprof can tell.
  private func noDumpReason(program: String, ending: System.Ending, settings: RecordSettings) -> String {
    if ending == .killed(SIGKILL) {
      return
        "SIGKILL cannot be caught, so no last dump is possible; stop it with SIGTERM or Ctrl-C, or take snapshots while it runs"
    }
    let path = program.contains("/") ? program : (System.which(program) ?? program)
    var st = stat()
    if stat(path, &st) == 0, st.st_mode & (S_ISUID | S_ISGID) != 0 {
      return "\(path) is setuid or setgid, and the loader ignores LD_PRELOAD for such programs"
    }
    if ExecutableFile.linkage(of: path) == .static {
      return "\(path) is statically linked, so the runtime cannot be preloaded into it "
        + "(Go programs: read their own heap profiles, see the README)"
    }
    if !settings.atExit {
      return "the exit dump is off (--no-exit-dump or HEAPPROF_AT_EXIT=0) and no other dump was asked for"
    }
    return "look above for a line from the runtime starting with 'heapprof:'; if there is none, the runtime was not "
      + "loaded (a program that clears LD_PRELOAD for itself, or one not linked with glibc)"
  }
}

/// What `record` passes to the runtime: each setting from its option when given, else
/// from the HEAPPROF_* variable already in the environment, else the runtime's default
/// (and only the settings that differ from the environment are set).
struct RecordSettings {
  /// The absolute dump prefix.
  var prefix: String
  /// The dump signal the runtime will install (0: none).
  var signal: Int32
  /// Whether the exit dump is on.
  var atExit: Bool
  /// HEAPPROF_* variables to set in the program's environment.
  var variables: [String: String]

  init(options: RecordCommand, environment env: [String: String], defaultPrefix: String) throws {
    var variables: [String: String] = [:]
    // The prefix: -o, else HEAPPROF_OUT, else heapprof.PROGRAM; a directory gets the
    // default name inside it.
    var chosen = options.output ?? env["HEAPPROF_OUT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPrefix
    var isDir: ObjCBool = false
    if chosen.hasSuffix("/") || (FileManager.default.fileExists(atPath: chosen, isDirectory: &isDir) && isDir.boolValue)
    {
      chosen = (chosen.hasSuffix("/") ? chosen : chosen + "/") + defaultPrefix
    }
    let prefix = URL(fileURLWithPath: RuntimeLocator.absolute(chosen)).standardizedFileURL.path
    let dir = URL(fileURLWithPath: prefix).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
      throw CLIError("output directory \(dir) does not exist; create it or choose another -o prefix")
    }
    variables["HEAPPROF_OUT"] = prefix

    func take(_ option: String?, _ variable: String, _ check: (String, String) throws -> String) throws {
      if let option {
        variables[variable] = try check(
          option, "--" + variable.dropFirst("HEAPPROF_".count).lowercased().replacingOccurrences(of: "_", with: "-"))
      } else if let value = env[variable] {
        _ = try check(value, "\(variable) in the environment")
      }
    }
    try take(options.sampleRate, "HEAPPROF_SAMPLE_RATE") { String(try Self.size($0, $1)) }
    try take(options.inuseInterval, "HEAPPROF_INUSE_INTERVAL") { String(try Self.size($0, $1)) }
    try take(options.interval, "HEAPPROF_INTERVAL") { try Self.seconds($0, $1) }
    try take(options.signal, "HEAPPROF_SIGNAL") { String(try Self.signal($0, $1)) }
    try take(options.maxDepth.map(String.init), "HEAPPROF_MAX_DEPTH") { text, what in
      guard let n = Int(text), (1...256).contains(n) else {
        throw ValidationError("\(what): must be a number of frames from 1 to 256")
      }
      return text
    }
    if options.noExitDump {
      variables["HEAPPROF_AT_EXIT"] = "0"
    } else if let value = env["HEAPPROF_AT_EXIT"], value != "0" && value != "1" {
      throw ValidationError("HEAPPROF_AT_EXIT='\(value)' in the environment: must be 0 or 1")
    }
    self.prefix = prefix
    self.signal = SignalName.parse(variables["HEAPPROF_SIGNAL"] ?? env["HEAPPROF_SIGNAL"] ?? "USR2") ?? SIGUSR2
    self.atExit = (variables["HEAPPROF_AT_EXIT"] ?? env["HEAPPROF_AT_EXIT"] ?? "1") == "1"
    self.variables = variables
  }

  /// A size as the runtime takes it (bytes, or with a unit: 512KiB, 1.5M).
  static func size(_ text: String, _ what: String) throws -> Int64 {
    guard let n = ByteSize.parse(text) else {
      throw ValidationError("\(what): '\(text)' is not a size (e.g. 0, 4096, 512KiB, 100MiB)")
    }
    return n
  }

  /// Seconds as the runtime takes them: a decimal number, fractions allowed, 0 (off) or at
  /// least 0.001. Returned as given, which the runtime reads exactly.
  static func seconds(_ text: String, _ what: String) throws -> String {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let digitsOnly =
      parts.count <= 2 && parts.allSatisfy { $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
      && !(parts.first?.isEmpty ?? true) && (parts.count == 1 || !parts[1].isEmpty)
    guard digitsOnly, let value = Double(text), value == 0 || value >= 0.001 else {
      throw ValidationError(
        "\(what): '\(text)' is not a number of seconds (0 for off, or at least 0.001; e.g. 0.5, 10)")
    }
    return text
  }

  /// A dump signal the runtime accepts.
  static func signal(_ text: String, _ what: String) throws -> Int32 {
    guard let n = SignalName.parse(text) else {
      throw ValidationError("\(what): '\(text)' is not a signal (USR2, USR1, PROF, RTMIN+1, a number, or 0 for none)")
    }
    guard n == 0 || SignalName.isAllowedForDumps(n) else {
      throw ValidationError("\(what): \(SignalName.refusal(n)); use USR2 (the default), USR1, PROF or RTMIN+N")
    }
    return n
  }
}
