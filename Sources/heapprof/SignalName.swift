#if canImport(Glibc)
  import Glibc
#endif

/// Signal names as the runtime's HEAPPROF_SIGNAL accepts them: `USR2`, `SIGUSR2`, a
/// number, or `0` for none.
enum SignalName {
  static let table: [String: Int32] = [
    "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "USR1": SIGUSR1, "USR2": SIGUSR2,
    "ALRM": SIGALRM, "TERM": SIGTERM, "PROF": SIGPROF, "URG": SIGURG, "WINCH": SIGWINCH,
  ]

  /// The signal number, 0 for none, nil if the text names no signal.
  static func parse(_ text: String) -> Int32? {
    if let n = Int32(text), n >= 0, n < 65 { return n }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if let n = table[name] { return n }
    return nil
  }
}
