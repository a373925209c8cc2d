import ArgumentParser
import Foundation
import HeapProfile
import HeapReports

/// The steps every graph-style report shares: load, prune allocator frames, filter, and
/// compute the options the renderers take.
struct PreparedReport {
  var profile: Profile
  var options: ReportOptions

  init(paths: [String], report: ReportOptionGroup, symbolization: SymbolizationOptionGroup) throws {
    let loaded = try ProfileLoader(symbolization: symbolization).load(paths, base: report.base)
    let index = try report.sampleIndex(for: loaded, file: paths[0])
    let base = ReportOptions(
      cum: report.cum, nodeCount: report.nodecount, nodeFraction: report.nodefraction,
      edgeFraction: report.edgefraction, granularity: report.granularity, unit: report.unit)
    (profile, options) = try report.refinement.apply(to: loaded, sampleIndex: index, base: base)
  }
}

/// A report printed to stdout from profiles named on the command line: the commands
/// differ only in their help and in the renderer they call.
protocol ProfileReportCommand: HeapprofCommand {
  var report: ReportOptionGroup { get }
  var symbolization: SymbolizationOptionGroup { get }
  var profiles: [String] { get }
  /// The report's text for the loaded, pruned and filtered profile.
  func render(_ prepared: PreparedReport) throws -> String
}

extension ProfileReportCommand {
  func execute() throws {
    let prepared = try PreparedReport(paths: profiles, report: report, symbolization: symbolization)
    print(try render(prepared), terminator: "")
  }
}

/// `heapprof top`.
struct TopCommand: ProfileReportCommand {
  static let configuration = CommandConfiguration(
    commandName: "top",
    abstract: "The functions holding the most memory, in pprof's -top layout.",
    discussion: """
      flat is memory allocated by the function itself, cum by it and everything it calls. \
      With --cum the call paths come first: the leak's path from main to the insert is at \
      the top. Several profiles are merged.

      Examples:
        heapprof top cache-leak.1234.0003.heap
        heapprof top --cum --nodecount 15 cache-leak.1234.0003.heap
        heapprof top --sample-index alloc_space --base first.heap last.heap
      """)
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func render(_ r: PreparedReport) throws -> String {
    TopReport.render(r.profile, options: r.options)
  }
}

/// `heapprof traces`.
struct TracesCommand: ProfileReportCommand {
  static let configuration = CommandConfiguration(
    commandName: "traces", abstract: "Every allocation stack with its value, like pprof -traces.")
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func render(_ r: PreparedReport) throws -> String {
    TracesReport.render(r.profile, options: r.options)
  }
}

/// `heapprof peek`.
struct PeekCommand: ProfileReportCommand {
  static let configuration = CommandConfiguration(
    commandName: "peek",
    abstract: "Callers and callees of the functions matching a regex, like pprof -peek.",
    discussion: "Example: heapprof peek 'ResponseCache.store' cache-leak.1234.0003.heap")
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Argument(help: "Regex of function names.") var regex: String
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func render(_ r: PreparedReport) throws -> String {
    try PeekReport.render(r.profile, regex: regex, options: r.options)
  }
}

/// `heapprof list`.
struct ListCommand: ProfileReportCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Source lines of the functions matching a regex, with flat and cum per line, like pprof -list.",
    discussion: """
      Reads each function's source file as the profile's debug information names it (build \
      with -g; the file must be readable here). Example: heapprof list 'ResponseCache.store' \
      cache-leak.1234.0003.heap
      """)
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Argument(help: "Regex of function names.") var regex: String
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func render(_ r: PreparedReport) throws -> String {
    try ListReport.render(r.profile, regex: regex, options: r.options)
  }
}

/// `heapprof folded`.
struct FoldedCommand: ProfileReportCommand {
  static let configuration = CommandConfiguration(
    commandName: "folded",
    abstract: "Folded stacks (frame;frame;frame value) for flame-graph tools.",
    discussion: "Example: heapprof folded app.heap | flamegraph.pl > heap.svg")
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func render(_ r: PreparedReport) throws -> String {
    FoldedReport.render(r.profile, options: r.options)
  }
}
