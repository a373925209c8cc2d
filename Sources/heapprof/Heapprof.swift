import ArgumentParser
import Foundation
import HeapLeakAnalysis
import Symbolization

/// `heapprof`: record heap profiles of Linux programs and analyze them, with a nose for
/// hash maps that only grow.
@main
struct Heapprof: ParsableCommand {
  /// heapprof's version; `tools/install` and the man page take it from here.
  static let version = "0.6.0"

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
    version: versionText(),
    subcommands: [
      RecordCommand.self, SnapshotCommand.self, WebCommand.self, HtmlCommand.self, TopCommand.self, TracesCommand.self,
      PeekCommand.self, ListCommand.self,
      DotCommand.self, SvgCommand.self, FoldedCommand.self, ProtoCommand.self, MapsCommand.self,
      GrowthCommand.self,
    ]
  )

  /// `heapprof --version`: the version and the runtime that `record` would preload.
  static func versionText() -> String {
    let runtime =
      (try? RuntimeLocator.locate()) ?? "not found (build it with tools/build-runtime.sh or set HEAPPROF_RUNTIME)"
    return "heapprof \(version)\nruntime: \(runtime)"
  }

  /// Runs the command line. Usage errors exit with status 2 (bad input), like every other
  /// error of heapprof, instead of ArgumentParser's 64.
  static func main() {
    // The leak analysis reads C++ map types from mangled names with the symbolizer's demangler.
    FramePolicy.defaultDemangle = { Demangler.demangle($0) }
    do {
      var arguments = Array(CommandLine.arguments.dropFirst())
      if arguments.first == "record" {
        arguments = ["record"] + RecordCommand.splitProgram(Array(arguments.dropFirst()))
      }
      var command = try parseAsRoot(arguments)
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
