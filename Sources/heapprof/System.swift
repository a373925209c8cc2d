import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Every call heapprof makes to the operating system (spawn, wait, signals, /proc) goes
/// through this one file, so that the commands above it stay plain logic.
enum System {
  /// Starts `program` (looked up on PATH when it has no slash) with `arguments` and the
  /// environment `environment`, inheriting standard input, output and error, with the
  /// signal mask `mask` (the one heapprof itself started with) so that signals that the
  /// recorder blocks while it waits are not blocked in the program.
  /// - Returns: the child's pid.
  /// - Throws: ``CLIError`` naming the program when it cannot be started.
  static func spawn(
    _ program: String, _ arguments: [String], environment: [String: String], signalMask mask: sigset_t? = nil
  ) throws -> pid_t {
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    if var mask {
      posix_spawnattr_setsigmask(&attr, &mask)
      posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
    }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, program, nil, &attr, argv, envp)
    guard rc == 0 else {
      let reason = String(cString: strerror(rc))
      throw CLIError("cannot run \(program): \(reason)" + (rc == ENOENT ? " (not found on PATH; give its path)" : ""))
    }
    return pid
  }

  /// The signals `heapprof record` passes on to its program when they are sent to the
  /// recorder itself (by `kill`, a supervisor, a process-group kill).
  static let forwardedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

  /// Blocks the forwarded signals and SIGCHLD in this thread, so that
  /// ``waitForwardingSignals(to:)`` receives them; returns the mask before (for the child).
  static func blockForwardedSignals() -> sigset_t {
    var set = sigset_t()
    var old = sigset_t()
    sigemptyset(&set)
    for s in forwardedSignals + [SIGCHLD] { sigaddset(&set, s) }
    pthread_sigmask(SIG_BLOCK, &set, &old)
    return old
  }

  /// How a child ended.
  enum Ending: Equatable {
    case exited(Int32)
    case killed(Int32)

    /// The shell's number for it: the status, or 128 + the signal.
    var shellStatus: Int32 {
      switch self {
      case .exited(let s): return s
      case .killed(let s): return 128 + s
      }
    }
  }

  /// Waits for `pid` while the forwarded signals are blocked (``blockForwardedSignals()``):
  /// a forwarded signal sent to this process by another process is sent on to `pid`; one
  /// that the terminal sent (Ctrl-C, Ctrl-\\, hang-up: the kernel sends it to the whole
  /// foreground process group, the child included) is not sent twice.
  static func waitForwardingSignals(to pid: pid_t) -> Ending {
    var set = sigset_t()
    sigemptyset(&set)
    for s in forwardedSignals + [SIGCHLD] { sigaddset(&set, s) }
    while true {
      var status: Int32 = 0
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid { return ending(status) }
      if r < 0 && errno != EINTR { return .exited(127) }
      var info = siginfo_t()
      var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
      let signal = sigtimedwait(&set, &info, &timeout)
      if signal > 0, signal != SIGCHLD, info.si_code != 0x80 /* SI_KERNEL: from the terminal */ {
        Glibc.kill(pid, signal)
      }
    }
  }

  /// Ends this process the way a child ended: the same exit status, or the same signal
  /// for the signals that stop programs on request (so that a shell or supervisor sees
  /// "killed by SIGINT" and stops too); other signals become 128 + n, without a core dump.
  static func endLike(_ ending: Ending) -> Never {
    if case .killed(let s) = ending, forwardedSignals.contains(s) || s == SIGPIPE {
      signal(s, SIG_DFL)
      var one = sigset_t()
      sigemptyset(&one)
      sigaddset(&one, s)
      pthread_sigmask(SIG_UNBLOCK, &one, nil)
      raise(s)
    }
    Glibc.exit(ending.shellStatus)
  }

  private static func ending(_ status: Int32) -> Ending {
    let termSignal = status & 0x7f
    if termSignal == 0 { return .exited((status >> 8) & 0xff) }
    return .killed(termSignal)
  }

  /// Sends `signal` to `pid`. Throws a ``CLIError`` that says why it failed.
  static func kill(_ pid: pid_t, _ signal: Int32) throws {
    if Glibc.kill(pid, signal) != 0 {
      throw CLIError("cannot signal process \(pid): \(String(cString: strerror(errno)))")
    }
  }

  /// The pids of `pid`'s children (`/proc/PID/task/*/children`).
  static func children(of pid: pid_t) -> [pid_t] {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [] }
    var result: [pid_t] = []
    for task in tasks {
      guard let data = readProcFile("/proc/\(pid)/task/\(task)/children") else { continue }
      result += String(decoding: data, as: UTF8.self).split(separator: " ").compactMap { pid_t($0) }
    }
    return result.sorted()
  }

  /// The start time of `pid` in clock ticks (field 22 of `/proc/PID/stat`).
  static func startTicks(of pid: pid_t) -> UInt64? {
    guard let data = readProcFile("/proc/\(pid)/stat") else { return nil }
    let text = String(decoding: data, as: UTF8.self)
    // The command name (field 2) may hold spaces and ')': count fields after the last ')'.
    guard let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    return fields.count > 19 ? UInt64(fields[19]) : nil
  }

  /// The effective user id of `pid` (`/proc/PID/status`).
  static func effectiveUID(of pid: pid_t) -> UInt32? {
    guard let data = readProcFile("/proc/\(pid)/status") else { return nil }
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Uid:") {
      let ids = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
      return ids.count > 2 ? UInt32(ids[2]) : nil
    }
    return nil
  }

  /// The working directory of `pid` (`/proc/PID/cwd`), or nil when it cannot be read.
  static func workingDirectory(of pid: pid_t) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/\(pid)/cwd", &buffer, buffer.count - 1)
    return n > 0 ? String(cString: buffer) : nil
  }

  /// Whether a process with this pid exists.
  static func processExists(_ pid: pid_t) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/\(pid)")
  }

  /// The environment a running process started with, from `/proc/PID/environ`.
  static func environment(of pid: pid_t) throws -> [String: String] {
    let path = "/proc/\(pid)/environ"
    guard let data = readProcFile(path) else {
      throw CLIError(
        "cannot read \(path): permission denied or no such process (run as the same user as process \(pid))")
    }
    var result: [String: String] = [:]
    for entry in data.split(separator: 0) {
      let text = String(decoding: entry, as: UTF8.self)
      if let eq = text.firstIndex(of: "=") {
        result[String(text[..<eq])] = String(text[text.index(after: eq)...])
      }
    }
    return result
  }

  /// The command name of a process (`/proc/PID/comm`), or "?" when unreadable.
  static func commandName(of pid: pid_t) -> String {
    guard let data = readProcFile("/proc/\(pid)/comm") else { return "?" }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The text of `/proc/PID/maps`, or "" when unreadable.
  static func maps(of pid: pid_t) -> String {
    readProcFile("/proc/\(pid)/maps").map { String(decoding: $0, as: UTF8.self) } ?? ""
  }

  /// Reads a /proc file to its end. /proc files report size 0, so Foundation's
  /// whole-file readers cannot be used on them.
  static func readProcFile(_ path: String) -> Data? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = read(fd, &buffer, buffer.count)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      result.append(buffer, count: n)
    }
    return result
  }

  /// The absolute path of this executable.
  static func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 { return String(cString: buffer) }
    return CommandLine.arguments[0]
  }

  /// The path of `name` on PATH, or nil.
  static func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
      return "\(dir)/\(name)"
    }
    return nil
  }

  /// Runs `tool` with `arguments`, feeding it `input`, and collects its output.
  static func run(_ tool: String, _ arguments: [String], input: Data) throws -> (
    status: Int32, stdout: Data, stderr: String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    do { try process.run() } catch { throw CLIError("cannot run \(tool): \(error.localizedDescription)") }
    let writer = Thread {
      stdin.fileHandleForWriting.write(input)
      try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    var errData = Data()
    let errReader = Thread { errData = stderr.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errReader.isFinished { usleep(1000) }
    return (process.terminationStatus, out, String(decoding: errData, as: UTF8.self))
  }

  /// Current process environment.
  static var currentEnvironment: [String: String] { ProcessInfo.processInfo.environment }

  /// Sleeps for `seconds`.
  static func sleep(seconds: Double) {
    usleep(useconds_t(max(0, seconds) * 1_000_000))
  }

  /// Monotonic time in seconds.
  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}
