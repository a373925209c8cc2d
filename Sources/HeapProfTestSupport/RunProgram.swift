import Foundation

/// What a finished program printed and how it exited.
public struct ProgramResult: Sendable {
  /// Everything written to standard output.
  public var stdout: String
  /// Everything written to standard error.
  public var stderr: String
  /// Exit status, or 128 + signal number when killed by a signal.
  public var status: Int32

  /// A result made of its parts.
  public init(stdout: String, stderr: String, status: Int32) {
    self.stdout = stdout
    self.stderr = stderr
    self.status = status
  }
}

/// Runs `executable` with `arguments` (and `environment` added to this process's
/// environment), waits for it, and returns its output. Output is read concurrently,
/// so a chatty program never blocks on a full pipe.
public func runProgram(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:],
  removing: [String] = [], currentDirectory: URL? = nil, stdin: String? = nil
) throws -> ProgramResult {
  let process = Process()
  process.configure(
    executable, arguments, environment: environment, removing: removing, currentDirectory: currentDirectory)
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  let input = Pipe()
  process.standardInput = input
  try process.run()
  if let stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8) ?? Data()) }
  try? input.fileHandleForWriting.close()
  var outData = Data(), errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    outData = out.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  errData = err.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  let status =
    process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
  return ProgramResult(
    stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self), status: status)
}

/// Finds `name` on PATH, or nil.
public func which(_ name: String) -> String? {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
  for dir in path.split(separator: ":") {
    let candidate = "\(dir)/\(name)"
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
  }
  return nil
}

extension Process {
  /// Sets the program, its arguments, its environment (this process's, without the
  /// variables named in `removing`, plus `environment`) and its working directory.
  public func configure(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
    currentDirectory: URL? = nil
  ) {
    executableURL = URL(fileURLWithPath: executable)
    self.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for k in removing { env.removeValue(forKey: k) }
    for (k, v) in environment { env[k] = v }
    self.environment = env
    if let currentDirectory { currentDirectoryURL = currentDirectory }
  }
}
