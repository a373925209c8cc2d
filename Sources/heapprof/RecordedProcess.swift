import Foundation

/// How a running process is recorded: where its dumps go and which signal asks for one.
///
/// Found from what the runtime publishes itself (its state file,
/// `/tmp/heapprof-UID/PID.state`, see hp_state_file.h), checked against the process's
/// start time and its memory map, so that a stale file or a reused pid is never trusted.
/// Processes started by an older runtime, or whose state could not be written, fall back
/// to `/proc/PID/environ` with the runtime's own rules (a relative prefix is relative to
/// the process's working directory).
struct RecordedProcess {
  /// The recorded process.
  var pid: Int32
  /// Its dump prefix, absolute.
  var prefix: String
  /// The signal its runtime installed; 0 when it takes none.
  var signal: Int32
  /// `HEAPPROF_SESSION` of the `heapprof record` that started it, if any.
  var session: String?
  /// Where this came from, for messages: "state file" or "environment".
  var source: String

  /// The state of `pid`, or nil when it is not recorded (no runtime mapped, or neither a
  /// valid state file nor a recording environment).
  static func find(_ pid: Int32) -> RecordedProcess? {
    guard System.maps(of: pid).contains("/" + RuntimeLocator.libraryName) else { return nil }
    if let fromState = fromStateFile(pid) { return fromState }
    return fromEnvironment(pid)
  }

  /// The state directory of user `uid` (hp_state_dir).
  static func stateDirectory(uid: UInt32) -> String { "/tmp/heapprof-\(uid)" }

  private static func fromStateFile(_ pid: Int32) -> RecordedProcess? {
    var uids: [UInt32] = [UInt32(geteuid())]
    if let owner = System.effectiveUID(of: pid), owner != uids[0] { uids.insert(owner, at: 0) }
    for uid in uids {
      let path = "\(stateDirectory(uid: uid))/\(pid).state"
      guard let data = System.readProcFile(path), let state = parseState(String(decoding: data, as: UTF8.self))
      else { continue }
      guard state.pid == pid, let start = System.startTicks(of: pid), state.start == start else { continue }
      return RecordedProcess(
        pid: pid, prefix: state.prefix, signal: state.signal, session: state.session, source: "state file")
    }
    return nil
  }

  /// Parses a state file; nil when it is not one.
  static func parseState(_ text: String) -> (
    pid: Int32, start: UInt64, signal: Int32, session: String?, prefix: String
  )? {
    guard text.hasPrefix("heapprof-state 1\n"), let prefixRange = text.range(of: "\nprefix ") else { return nil }
    var fields: [String: String] = [:]
    for line in text[..<prefixRange.lowerBound].split(separator: "\n") {
      let parts = line.split(separator: " ", maxSplits: 1)
      if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
    }
    var prefix = String(text[prefixRange.upperBound...])
    guard prefix.hasSuffix("\n") else { return nil }  // cut short: not a whole state file
    prefix.removeLast()
    guard let pid = fields["pid"].flatMap({ Int32($0) }), let start = fields["start"].flatMap({ UInt64($0) }),
      let signal = fields["signal"].flatMap({ Int32($0) }), prefix.hasPrefix("/")
    else { return nil }
    let session = fields["session"].flatMap { $0 == "-" ? nil : $0 }
    return (pid, start, signal, session, prefix)
  }

  private static func fromEnvironment(_ pid: Int32) -> RecordedProcess? {
    guard let env = try? System.environment(of: pid), let out = env["HEAPPROF_OUT"], !out.isEmpty else { return nil }
    var prefix = out
    if !prefix.hasPrefix("/") {
      guard let cwd = System.workingDirectory(of: pid) else { return nil }
      prefix = cwd + "/" + prefix
    }
    // The runtime's rule: an unusable HEAPPROF_SIGNAL falls back to USR2.
    var signal = SIGUSR2
    if let text = env["HEAPPROF_SIGNAL"], let n = SignalName.parse(text), n == 0 || SignalName.isAllowedForDumps(n) {
      signal = n
    }
    return RecordedProcess(
      pid: pid, prefix: prefix, signal: signal, session: env["HEAPPROF_SESSION"], source: "environment")
  }
}
