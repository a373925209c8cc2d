import ArgumentParser
import Foundation

/// `heapprof snapshot PID`: asks a recorded, running process for a dump.
struct SnapshotCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Ask a running, recorded process for a heap dump and print its path.",
    discussion: """
      The process must run under `heapprof record` (or with libheapprof.so preloaded and \
      HEAPPROF_OUT set). heapprof reads how it is recorded from the state file its runtime \
      published (/tmp/heapprof-UID/PID.state: the dump prefix and the signal it really \
      installed), sends it that signal, waits until the new dump file appears, and prints \
      its path. The program keeps running. Take several snapshots a few seconds apart and \
      compare them with `heapprof growth`.

      The pid of `heapprof record` itself works too: the snapshot is of the program it runs, \
      so `heapprof record -- ./server & heapprof snapshot $!` does what it says.
      """
  )

  @Argument(help: "The process id (of the recorded program, or of the `heapprof record` running it).")
  var pid: Int32

  @Option(help: ArgumentHelp("Seconds to wait for the dump.", valueName: "seconds"))
  var timeout: Double = 10

  func execute() throws {
    guard pid > 0, System.processExists(pid) else { throw CLIError("no process with pid \(pid)") }
    let target = try Self.recordedTarget(pid)
    let name = System.commandName(of: target.pid)
    guard target.signal != 0 else {
      throw CLIError("process \(target.pid) (\(name)) was started with HEAPPROF_SIGNAL=0: it takes no dump signal")
    }
    let before = Set(DumpFiles.list(prefix: target.prefix, pid: target.pid))
    try System.kill(target.pid, target.signal)
    let deadline = System.now() + timeout
    while System.now() < deadline {
      if let path = DumpFiles.list(prefix: target.prefix, pid: target.pid).first(where: { !before.contains($0) }) {
        print(DumpFiles.display(path))
        return
      }
      guard System.processExists(target.pid) else {
        throw CLIError("process \(target.pid) (\(name)) exited before writing a dump")
      }
      System.sleep(seconds: 0.02)
    }
    throw CLIError(
      "process \(target.pid) (\(name)) wrote no dump under \(target.prefix) within \(timeout) s "
        + "(sent \(SignalName.name(target.signal)), from its \(target.source)); check its stderr")
  }

  /// The recorded process that `pid` names: itself, or the one program that the
  /// `heapprof record` with this pid runs.
  static func recordedTarget(_ pid: Int32) throws -> RecordedProcess {
    if let recorded = RecordedProcess.find(pid) { return recorded }
    let name = System.commandName(of: pid)
    let recordedChildren = System.children(of: pid).compactMap(RecordedProcess.find)
    if recordedChildren.count == 1 {
      let child = recordedChildren[0]
      printError(
        "heapprof: \(pid) (\(name)) is not recorded itself; taking the snapshot of its program, pid \(child.pid)")
      return child
    }
    if recordedChildren.count > 1 {
      let pids = recordedChildren.map { String($0.pid) }.joined(separator: ", ")
      throw CLIError("process \(pid) (\(name)) runs several recorded programs (\(pids)); name one of them")
    }
    throw CLIError(
      "process \(pid) (\(name)) is not recorded by heapprof; start it with `heapprof record -- PROGRAM`")
  }
}
