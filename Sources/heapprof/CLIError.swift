import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// A failure reported to the user as one line on stderr, `heapprof: MESSAGE`, with exit
/// status 2 (bad input or a request that cannot be carried out).
struct CLIError: Error, CustomStringConvertible {
  let message: String
  let status: Int32

  init(_ message: String, status: Int32 = 2) {
    self.message = message
    self.status = status
  }

  var description: String { message }
}

/// A subcommand whose failures print as one line and exit with status 2, never as a
/// usage dump or a crash.
protocol HeapprofCommand: ParsableCommand {
  /// The command's work; anything it throws becomes `heapprof: ERROR` and exit status 2.
  func execute() throws
}

extension HeapprofCommand {
  func run() throws {
    do {
      try execute()
    } catch let exit as ExitCode {
      throw exit
    } catch {
      printError("heapprof: \(error)")
      throw ExitCode((error as? CLIError)?.status ?? 2)
    }
  }
}

/// Writes one line to standard error.
func printError(_ line: String) {
  fputs(line + "\n", stderr)
}
