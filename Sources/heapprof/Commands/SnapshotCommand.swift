import ArgumentParser
import Foundation

/// `heapprof snapshot PID`: asks a recorded, running process for a dump.
struct SnapshotCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Ask a running, recorded process for a heap dump and print its path.",
    discussion: """
      The process must run under `heapprof record` (or with libheapprof.so preloaded and \
      HEAPPROF_OUT set). heapprof sends it the dump signal (HEAPPROF_SIGNAL, USR2 by \
      default), waits until the new dump file appears, and prints its path. The program \
      keeps running. Take several snapshots a few seconds apart and compare them with \
      `heapprof growth`.
      """
  )

  @Argument(help: "The process id.")
  var pid: Int32

  @Option(help: ArgumentHelp("Seconds to wait for the dump.", valueName: "seconds"))
  var timeout: Double = 10

  func execute() throws {
    guard pid > 0, System.processExists(pid) else { throw CLIError("no process with pid \(pid)") }
    let name = System.commandName(of: pid)
    let env = try System.environment(of: pid)
    guard let prefix = env["HEAPPROF_OUT"], !prefix.isEmpty,
      System.maps(of: pid).contains(RuntimeLocator.libraryName)
    else {
      throw CLIError(
        "process \(pid) (\(name)) is not recorded by heapprof; start it with `heapprof record -- PROGRAM`")
    }
    let signalText = env["HEAPPROF_SIGNAL"] ?? "USR2"
    guard let signal = SignalName.parse(signalText), signal != 0 else {
      throw CLIError("process \(pid) (\(name)) was started with HEAPPROF_SIGNAL=\(signalText): it takes no dump signal")
    }
    let before = Set(DumpFiles.list(prefix: prefix, pid: pid))
    try System.kill(pid, signal)
    let deadline = System.now() + timeout
    while System.now() < deadline {
      if let path = DumpFiles.list(prefix: prefix, pid: pid).first(where: { !before.contains($0) }) {
        print(DumpFiles.display(path))
        return
      }
      guard System.processExists(pid) else { throw CLIError("process \(pid) (\(name)) exited before writing a dump") }
      System.sleep(seconds: 0.02)
    }
    throw CLIError("process \(pid) (\(name)) wrote no dump under \(prefix) within \(timeout) s; check its stderr")
  }
}
