import Foundation
import HeapProfTestSupport
import XCTest

/// A program started in the background whose output the test reads while it runs: the
/// tests that signal, snapshot or interrupt a recording need its pid and its first lines
/// before it ends.
final class BackgroundProcess: @unchecked Sendable {
  private let process = Process()
  private let lock = NSLock()
  private var out = Data()
  private var err = Data()
  private let group = DispatchGroup()

  /// Starts `executable` with `arguments`; `environment` is added to this process's,
  /// `removing` names variables to drop.
  init(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
    currentDirectory: URL? = nil
  ) throws {
    process.configure(
      executable, arguments, environment: environment, removing: removing, currentDirectory: currentDirectory)
    let outPipe = Pipe(), errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    for (handle, isErr) in [(outPipe.fileHandleForReading, false), (errPipe.fileHandleForReading, true)] {
      group.enter()
      Thread {
        while true {
          let chunk = handle.availableData
          if chunk.isEmpty { break }
          self.lock.lock()
          if isErr { self.err.append(chunk) } else { self.out.append(chunk) }
          self.lock.unlock()
        }
        self.group.leave()
      }.start()
    }
  }

  /// The pid of the started program.
  var pid: Int32 { process.processIdentifier }

  /// Standard output so far.
  var stdout: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: out, as: UTF8.self)
  }

  /// Standard error so far.
  var stderr: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: err, as: UTF8.self)
  }

  /// Waits until stdout (or stderr) holds a line matching `pattern` and returns the regex's
  /// first capture group (or the whole match); fails the test after `timeout` seconds.
  func waitFor(
    _ pattern: String, inStderr: Bool = false, timeout: Double = 20,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> String {
    let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let text = inStderr ? stderr : stdout
      if let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
        let r = m.numberOfRanges > 1 ? m.range(at: 1) : m.range
        return String(text[Range(r, in: text)!])
      }
      if !process.isRunning {
        group.wait()
        let final = inStderr ? stderr : stdout
        if let m = regex.firstMatch(in: final, range: NSRange(final.startIndex..., in: final)) {
          let r = m.numberOfRanges > 1 ? m.range(at: 1) : m.range
          return String(final[Range(r, in: final)!])
        }
        break
      }
      usleep(10_000)
    }
    XCTFail(
      "no line matching \(pattern) in \(inStderr ? "stderr" : "stdout"):\n\(stdout)\n--\n\(stderr)", file: file,
      line: line)
    throw RuntimeHarnessError(description: "timed out waiting for \(pattern)")
  }

  /// Waits for the program to end and returns everything it printed; status is
  /// 128 + the signal when a signal ended it.
  func wait() -> ProgramResult {
    process.waitUntilExit()
    group.wait()
    let status =
      process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ProgramResult(stdout: stdout, stderr: stderr, status: status)
  }
}
