#if canImport(Glibc)
  import Glibc
#endif

/// Signal names and the rule for the dump signal, the same as the runtime's
/// (`hp_signal_from_name` and `hp_signal_allowed` in hp_config.h; IntegrationTests checks
/// that both agree on every signal number).
enum SignalName {
  static let table: [String: Int32] = [
    "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT,
    "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2,
    "PIPE": SIGPIPE, "ALRM": SIGALRM, "TERM": SIGTERM, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP,
    "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
    "VTALRM": SIGVTALRM, "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "SYS": SIGSYS,
  ]

  /// glibc's first and last real-time signals (32 and 33 are its own).
  static var realTimeRange: ClosedRange<Int32> { 34...64 }

  /// The signal number, 0 for none, nil if the text names no signal.
  static func parse(_ text: String) -> Int32? {
    if let n = Int32(text) { return n >= 0 && n <= 64 ? n : nil }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if name == "RTMIN" { return realTimeRange.lowerBound }
    if name == "RTMAX" { return realTimeRange.upperBound }
    if name.hasPrefix("RTMIN+"), let k = Int32(name.dropFirst(6)), k >= 0,
      k <= realTimeRange.upperBound - realTimeRange.lowerBound
    {
      return realTimeRange.lowerBound + k
    }
    return table[name]
  }

  /// The signal's name as `kill -l` prints it (`SIGUSR2`, `SIGRTMIN+3`), or its number.
  static func name(_ signal: Int32) -> String {
    if let entry = table.first(where: { $0.value == signal }) { return "SIG" + entry.key }
    if realTimeRange.contains(signal) {
      return signal == realTimeRange.lowerBound ? "SIGRTMIN" : "SIGRTMIN+\(signal - realTimeRange.lowerBound)"
    }
    return "signal \(signal)"
  }

  /// Whether the runtime accepts `signal` as the dump signal: not one that stops,
  /// continues or kills, not one the kernel raises for a fault, not PIPE or CHLD.
  static func isAllowedForDumps(_ signal: Int32) -> Bool {
    [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGURG, SIGWINCH, SIGPROF, SIGVTALRM]
      .contains(signal) || realTimeRange.contains(signal)
  }

  /// Why `signal` cannot be the dump signal, for an error message.
  static func refusal(_ signal: Int32) -> String {
    switch signal {
    case SIGKILL, SIGSTOP: return "\(name(signal)) cannot be caught: it would kill or stop the program"
    case SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU: return "\(name(signal)) stops or continues the program"
    case SIGPIPE, SIGCHLD:
      return "a handler for \(name(signal)) changes how the program sees broken pipes or its children"
    case 32, 33: return "signal \(signal) is reserved by glibc"
    default: return "\(name(signal)) is raised by the kernel for faults; catching it would hide a crash"
    }
  }

  /// A warning for a dump signal that takes over a signal programs are stopped with.
  static func takeoverWarning(_ signal: Int32) -> String? {
    switch signal {
    case SIGINT: return "with --signal INT, Ctrl-C takes a dump instead of stopping the program"
    case SIGTERM: return "with --signal TERM, `kill PID` takes a dump instead of stopping the program"
    case SIGHUP: return "with --signal HUP, closing the terminal takes a dump instead of stopping the program"
    case SIGQUIT: return "with --signal QUIT, Ctrl-\\ takes a dump instead of stopping the program"
    default: return nil
    }
  }
}
