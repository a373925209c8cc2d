import ArgumentParser
import Foundation

/// `heapprof record`: runs a program with the runtime preloaded and lists its dumps.
struct RecordCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Run a program with every allocation recorded, and write heap dumps.",
    discussion: """
      The program runs with libheapprof.so preloaded. Every malloc-family call is recorded \
      with its stack (or a Poisson sample of them with --sample-rate). Dumps are written to \
      PREFIX.<pid>.<seq>.heap at exit, on the signal (see `heapprof snapshot`), every \
      --interval seconds and whenever in-use memory grew by --inuse-interval. Child processes \
      are recorded too, each under its own pid. The exit status is the program's.

      Examples:
        heapprof record -- ./server --port 8080
        heapprof record -o /tmp/prof/cache --interval 10 -- cache-leak --serve 60
        heapprof record --sample-rate 512KiB -- ./batch-job
      """
  )

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "Path prefix of the dumps.", valueName: "prefix"))
  var output: String?

  @Option(help: ArgumentHelp(
    "Record one allocation per this many bytes on average (e.g. 512KiB); 0 records every allocation.",
    valueName: "bytes"))
  var sampleRate: String = "0"

  @Option(help: ArgumentHelp("Also dump every this many seconds.", valueName: "seconds"))
  var interval: Double?

  @Option(help: ArgumentHelp("Also dump whenever in-use bytes grew by this much (e.g. 100MiB).", valueName: "bytes"))
  var inuseInterval: String?

  @Option(help: ArgumentHelp("Signal that asks for a dump: USR2, USR1, a number, or 0 for none.", valueName: "signal"))
  var signal: String = "USR2"

  @Option(help: ArgumentHelp("Frames kept per stack (1-256).", valueName: "n"))
  var maxDepth: Int = 64

  @Flag(help: "Do not dump when the program exits.")
  var noExitDump = false

  @Argument(parsing: .captureForPassthrough, help: ArgumentHelp(
    "The program and its arguments (put them after --).", valueName: "program"))
  var command: [String] = []

  func validate() throws {
    guard !program.isEmpty else { throw ValidationError("name the program to record: heapprof record -- PROGRAM [ARGS...]") }
    guard ByteSize.parse(sampleRate) != nil else { throw ValidationError("--sample-rate: '\(sampleRate)' is not a size (e.g. 0, 4096, 512KiB)") }
    if let inuseInterval, ByteSize.parse(inuseInterval) == nil {
      throw ValidationError("--inuse-interval: '\(inuseInterval)' is not a size (e.g. 100MiB)")
    }
    if let interval, !(interval >= 0) { throw ValidationError("--interval must be 0 or more seconds") }
    guard SignalName.parse(signal) != nil else { throw ValidationError("--signal: '\(signal)' is not a signal (USR1, USR2, a number, or 0)") }
    guard (1...256).contains(maxDepth) else { throw ValidationError("--max-depth must be between 1 and 256") }
  }

  /// The command without a leading `--` separator.
  private var program: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

  func execute() throws {
    let argv = program
    let runtime = try RuntimeLocator.locate()
    let prefix = RuntimeLocator.absolute(output ?? "heapprof.\(URL(fileURLWithPath: argv[0]).lastPathComponent)")
    let dir = URL(fileURLWithPath: prefix).deletingLastPathComponent().path
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
      throw CLIError("output directory \(dir) does not exist; create it or choose another -o prefix")
    }
    let before = Set(DumpFiles.list(prefix: prefix))

    var env = System.currentEnvironment
    let preload = env["LD_PRELOAD"].map { "\(runtime):\($0)" } ?? runtime
    env["LD_PRELOAD"] = preload
    env["HEAPPROF_OUT"] = prefix
    env["HEAPPROF_SAMPLE_RATE"] = String(ByteSize.parse(sampleRate) ?? 0)
    env["HEAPPROF_INTERVAL"] = interval.map { String($0) } ?? "0"
    env["HEAPPROF_INUSE_INTERVAL"] = String(inuseInterval.flatMap(ByteSize.parse) ?? 0)
    env["HEAPPROF_SIGNAL"] = String(SignalName.parse(signal) ?? SIGUSR2)
    env["HEAPPROF_MAX_DEPTH"] = String(maxDepth)
    env["HEAPPROF_AT_EXIT"] = noExitDump ? "0" : "1"

    System.ignoreInterrupts()
    let pid = try System.spawn(argv[0], Array(argv.dropFirst()), environment: env)
    let status = System.wait(pid)

    let written = DumpFiles.list(prefix: prefix).filter { !before.contains($0) }
    if written.isEmpty {
      printError("heapprof: \(argv[0]) (pid \(pid)) wrote no dump under \(DumpFiles.display(prefix)); see its stderr above")
    } else {
      printError("heapprof: \(argv[0]) (pid \(pid)) exited with status \(status); \(written.count) dump\(written.count == 1 ? "" : "s"):")
      for path in written { printError("  \(DumpFiles.display(path))") }
      printError("next: heapprof top \(DumpFiles.display(written.last!))")
    }
    throw ExitCode(status)
  }
}
