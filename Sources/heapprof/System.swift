import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Every call heapprof makes to the operating system (spawn, wait, signals, /proc) goes
/// through this one file, so that the commands above it stay plain logic.
enum System {
  /// Starts `program` (looked up on PATH when it has no slash) with `arguments` and the
  /// environment `environment`, inheriting standard input, output and error.
  /// - Returns: the child's pid.
  /// - Throws: ``CLIError`` naming the program when it cannot be started.
  static func spawn(_ program: String, _ arguments: [String], environment: [String: String]) throws -> pid_t {
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, program, nil, nil, argv, envp)
    guard rc == 0 else {
      let reason = String(cString: strerror(rc))
      throw CLIError("cannot run \(program): \(reason)" + (rc == ENOENT ? " (not found on PATH; give its path)" : ""))
    }
    return pid
  }

  /// Waits for `pid` and returns its exit status, or 128 + the signal that ended it
  /// (the shell's convention).
  static func wait(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { return 127 }
    }
    let termSignal = status & 0x7f
    if termSignal == 0 { return (status >> 8) & 0xff }
    return 128 + termSignal
  }

  /// Sends `signal` to `pid`. Throws a ``CLIError`` that says why it failed.
  static func kill(_ pid: pid_t, _ signal: Int32) throws {
    if Glibc.kill(pid, signal) != 0 {
      throw CLIError("cannot signal process \(pid): \(String(cString: strerror(errno)))")
    }
  }

  /// Ignores SIGINT and SIGQUIT in this process while a child runs, as a shell does, so
  /// that Ctrl-C reaches the profiled program and `record` can still report its dumps.
  static func ignoreInterrupts() {
    signal(SIGINT, SIG_IGN)
    signal(SIGQUIT, SIG_IGN)
  }

  /// Whether a process with this pid exists.
  static func processExists(_ pid: pid_t) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/\(pid)")
  }

  /// The environment a running process started with, from `/proc/PID/environ`.
  static func environment(of pid: pid_t) throws -> [String: String] {
    let path = "/proc/\(pid)/environ"
    guard let data = readProcFile(path) else {
      throw CLIError("cannot read \(path): permission denied or no such process (run as the same user as process \(pid))")
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
  static func run(_ tool: String, _ arguments: [String], input: Data) throws -> (status: Int32, stdout: Data, stderr: String) {
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
