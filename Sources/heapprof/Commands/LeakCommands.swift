import ArgumentParser
import Foundation
import HeapLeakAnalysis
import HeapProfile

/// `heapprof maps`.
struct MapsCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "maps",
    abstract: "Hash-map storage by owner, with the entries each map keeps alive and advice.",
    discussion: """
      Recognises Swift Dictionary/Set, Foundation dictionaries, C++ unordered_map/map and Go \
      maps from the stack frames, names the program function that owns each map, and says \
      when a map only grows (entries never removed), churns (a new map per iteration) or \
      keeps resizing (reserve capacity). With --base, only what changed since that profile.

      Also knows C maps: redis's dict, CPython's dict and GLib's GHashTable. It counts each \
      owner's live tables, their capacity (buckets; slots for Go) and live entries, and says \
      when a large table is mostly empty (maps never shrink on removal), when many tables \
      were emptied but kept (naming the outer map that keeps them: `X kept by Y in Z`), and \
      when many maps each resized many times while they filled (reserve capacity); one map \
      doubling as it fills is normal and not reported. Allocation wrappers of the \
      program's own (a function right above malloc, called from many places, such as \
      redis's zmalloc) are looked past, so that findings name their callers; \
      --drop-frames/--keep-frames override that.
      """)
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @OptionGroup var frames: FramePolicyOptionGroup
  @Option(help: ArgumentHelp("Subtract this profile first.", valueName: "profile")) var base: String?
  @Option(help: ArgumentHelp("Owners to show at most (0: every owner, even those holding nothing).", valueName: "n"))
  var limit: Int = 10
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func execute() throws {
    let profile = try ProfileLoader(symbolization: symbolization).load(profiles, base: base)
    let owners = MapAnalysis.owners(in: profile, policy: try frames.policy())
    let hint = owners.isEmpty ? MapsReport.noStorageHint(profile) : nil
    print(
      MapsReport.render(owners: owners, source: DumpFiles.display(profiles[0]), limit: limit, hint: hint),
      terminator: "")
  }
}

/// `heapprof growth`.
struct GrowthCommand: HeapprofCommand {
  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  static let configuration = CommandConfiguration(
    commandName: "growth",
    abstract: "What grew across snapshots of one process: the leak suspects.",
    discussion: """
      Give two or more dumps of one process in time order (e.g. from `heapprof snapshot`). \
      For every allocation site heapprof follows in-use memory from snapshot to snapshot, \
      then names the leak suspects (sites that grew in every interval and hold most of the \
      growth, or that never lost a live object while their bytes fell), with their path from \
      the entry point, the map they feed, and the fix. A last dump written at exit is shown \
      but not judged: what a process frees as it ends is not a fix. \
      Bounded caches (grew, then stopped) and churn (much allocated, flat in-use) are \
      listed apart. Exit status 1 with --fail-on-growth when suspects grew more than allowed. \
      The program's own allocation wrappers (redis's zmalloc, SQLite's sqlite3Malloc) are \
      looked past so that suspects name their callers; see --drop-frames/--keep-frames.

      Example: heapprof growth app.4242.0001.heap app.4242.0002.heap app.4242.0003.heap
      """)
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @OptionGroup var frames: FramePolicyOptionGroup
  @Option(help: "Output format: text or json.") var format: Format = .text
  @Option(
    help: ArgumentHelp(
      "Exit with status 1 when the leak suspects grew by more than this (e.g. 10MiB).", valueName: "bytes"))
  var failOnGrowth: String?
  @Argument(help: "Snapshots of one process, oldest first.") var snapshots: [String]

  func validate() throws {
    guard snapshots.count >= 2 else {
      throw ValidationError("give at least two snapshots of one process, oldest first")
    }
    if let failOnGrowth, ByteSize.parse(failOnGrowth) == nil {
      throw ValidationError("--fail-on-growth: '\(failOnGrowth)' is not a size (e.g. 10MiB)")
    }
  }

  func execute() throws {
    let loader = ProfileLoader(symbolization: symbolization)
    var profiles: [Profile] = []
    for (i, path) in snapshots.enumerated() {
      if snapshots.count > 3 { printError("heapprof: reading snapshot \(i + 1) of \(snapshots.count): \(path)") }
      profiles.append(try loader.load([path]))
    }
    let analysis = GrowthAnalysis(
      profiles: profiles, sources: snapshots.map(DumpFiles.display), policy: try frames.policy())
    switch format {
    case .text: print(GrowthReport.render(analysis), terminator: "")
    case .json: print(GrowthReport.json(analysis), terminator: "")
    }
    if let limit = failOnGrowth.flatMap(ByteSize.parse) {
      let grown = analysis.suspects.reduce(Int64(0)) { $0 + $1.growthBytes }
      if grown > limit {
        printError("heapprof: leak suspects grew by \(grown) bytes, more than --fail-on-growth \(limit)")
        throw ExitCode(1)
      }
    }
  }
}
