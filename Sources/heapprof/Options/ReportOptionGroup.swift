import ArgumentParser
import HeapProfile
import HeapReports

/// Options shared by every report command (pprof's names and defaults).
struct ReportOptionGroup: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Value to report: inuse_space (default), inuse_objects, alloc_space, alloc_objects, or an index.",
      valueName: "type"))
  var sampleIndex: String?

  @Flag(help: "Sort by cumulative value (the call path) instead of flat (the allocating function).")
  var cum = false

  @Option(help: ArgumentHelp("Show at most this many nodes (0: all).", valueName: "n"))
  var nodecount: Int?

  @Option(help: ArgumentHelp("Hide nodes below this fraction of the total (pprof default 0.005).", valueName: "f"))
  var nodefraction: Double?

  @Option(help: ArgumentHelp("Hide edges below this fraction of the total (pprof default 0.001).", valueName: "f"))
  var edgefraction: Double?

  @Option(help: ArgumentHelp("Keep only stacks with a frame matching this regex.", valueName: "regex"))
  var focus: String?

  @Option(help: ArgumentHelp("Drop stacks with a frame matching this regex.", valueName: "regex"))
  var ignore: String?

  @Option(help: ArgumentHelp("Remove frames matching this regex from stacks.", valueName: "regex"))
  var hide: String?

  @Option(help: ArgumentHelp("Keep only frames matching this regex in stacks.", valueName: "regex"))
  var show: String?

  @Option(help: ArgumentHelp("Subtract this profile first (what changed since it).", valueName: "profile"))
  var base: String?

  @Option(help: ArgumentHelp("What a node is: functions (default), files, lines or addresses.", valueName: "g"))
  var granularity: Granularity = .functions

  @Option(help: ArgumentHelp("Unit of values: minimum (default), auto, B, kB, MB, GB.", valueName: "unit"))
  var unit: String = "minimum"

  /// The sample type index for `profile`, from `--sample-index` or the profile's default.
  func sampleIndex(for profile: Profile, file: String) throws -> Int {
    guard let text = sampleIndex else { return profile.defaultSampleIndex }
    if let i = Int(text), profile.sampleTypes.indices.contains(i) { return i }
    if let i = profile.sampleTypeIndex(named: text) { return i }
    // Profiles without allocation totals call their values objects/space.
    let alias = ["inuse_space": "space", "inuse_objects": "objects"]
    if let a = alias[text], let i = profile.sampleTypeIndex(named: a) { return i }
    let names = profile.sampleTypes.map(\.type).joined(separator: ", ")
    if text.hasPrefix("alloc_"), profile.sampleTypeIndex(named: "space") != nil {
      // pprof's rule for legacy profiles whose alloc columns equal the in-use columns.
      throw CLIError(
        "\(file): no \(text): in this profile every allocation is still in use (its alloc columns equal its in-use "
          + "columns: nothing was freed, or the writer kept no allocation totals), so, as in pprof, its values are "
          + "named objects and space and stand for both; use --sample-index \(text == "alloc_space" ? "space" : "objects")"
      )
    }
    throw CLIError("\(file): no sample type '\(text)'; this profile has: \(names)")
  }

  /// The focus/ignore/hide/show filters.
  var refinement: Refinement { Refinement(focus: focus, ignore: ignore, hide: hide, show: show) }
}

extension Granularity: ExpressibleByArgument {}

/// Where to find the binaries a profile's addresses belong to.
struct SymbolizationOptionGroup: ParsableArguments {
  @Option(help: ArgumentHelp("The program's binary, when it moved or the profile names none.", valueName: "path"))
  var binary: String?

  @Option(help: ArgumentHelp("A directory to look for binaries and libraries in (repeatable).", valueName: "dir"))
  var searchPath: [String] = []
}
