import ArgumentParser
import Foundation

/// `heapprof`: record heap profiles of Linux programs and analyze them, with a nose for
/// hash maps that only grow.
@main
struct Heapprof: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "heapprof",
    abstract: "A heap profiler for Linux that finds leaks and waste in hash maps.",
    discussion: """
      Record a program, snapshot it while it runs, then read the dumps:
        heapprof record -- cache-leak --serve 30
        heapprof snapshot PID
        heapprof top heapprof.cache-leak.PID.0001.heap

      Reports read heapprof and gperftools heap dumps, jemalloc heap_v2 files, Go heap \
      profiles and pprof protobuf (gzipped or not).
      """,
    subcommands: [
      RecordCommand.self, SnapshotCommand.self, TopCommand.self, TracesCommand.self, PeekCommand.self,
      DotCommand.self, SvgCommand.self, FoldedCommand.self, ProtoCommand.self, MapsCommand.self,
      GrowthCommand.self,
    ]
  )

  /// Runs the command line. Usage errors exit with status 2 (bad input), like every other
  /// error of heapprof, instead of ArgumentParser's 64.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      if exitCode(for: error) == .validationFailure {
        fputs(fullMessage(for: error) + "\n", stderr)
        Foundation.exit(2)
      }
      exit(withError: error)
    }
  }
}
