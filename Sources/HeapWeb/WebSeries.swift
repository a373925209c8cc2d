import Foundation
import HeapLeakAnalysis
import HeapProfile

/// The profiles a web UI or HTML report shows: a series of snapshots of one process (in
/// time order), or, for profiles of different processes, one profile merged from all of
/// them as pprof merges them. A live series grows while it is served. Thread-safe.
public final class WebSeries: @unchecked Sendable {
  /// One snapshot: a symbolized profile with allocator frames still in it (the map and
  /// growth analyses need them; the reports prune them).
  public struct Snapshot: Sendable {
    /// Its position in the series, from 0.
    public var index: Int
    /// The file it was read from, as shown to the user.
    public var source: String
    /// The profile.
    public var profile: Profile
  }

  private let lock = NSLock()
  private var list: [Snapshot] = []
  private var changes = 0
  private var growthCache: (version: Int, analysis: GrowthAnalysis)?
  /// When the inputs were profiles of different processes, the sentence that says so.
  public let mergedNote: String?
  /// Whether snapshots are still being added (`heapprof web --live`).
  public let isLive: Bool

  /// Makes the series of `profiles` (with display names `sources`): a series when every
  /// profile is of the same process (same pid, or none says), else one merged profile.
  /// - Throws: ``HeapProfile/ProfileError`` when profiles of different processes cannot
  ///   be merged (different sample types).
  public init(profiles: [Profile], sources: [String], live: Bool = false) throws {
    isLive = live
    let pids = Set(profiles.compactMap { $0.attributes["pid"] })
    if pids.count > 1 {
      let merged = try Profile.merge(profiles)
      mergedNote =
        "The \(profiles.count) profiles come from \(pids.count) processes (pids "
        + pids.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.joined(separator: ", ")
        + "): they are merged into one profile, as pprof merges profiles."
      list = [Snapshot(index: 0, source: sources.joined(separator: " + "), profile: merged)]
    } else {
      mergedNote = nil
      var order = Array(profiles.indices)
      if profiles.allSatisfy({ $0.timeNanos > 0 }) {
        order.sort { (profiles[$0].timeNanos, $0) < (profiles[$1].timeNanos, $1) }
      }
      list = order.enumerated().map {
        Snapshot(index: $0.offset, source: sources[$0.element], profile: profiles[$0.element])
      }
    }
  }

  /// The snapshots so far.
  public var snapshots: [Snapshot] {
    lock.lock()
    defer { lock.unlock() }
    return list
  }

  /// Changes with every snapshot added: part of every cache key.
  public var version: Int {
    lock.lock()
    defer { lock.unlock() }
    return changes
  }

  /// Adds a snapshot taken while serving (`--live`).
  public func append(_ profile: Profile, source: String) {
    lock.lock()
    list.append(Snapshot(index: list.count, source: source, profile: profile))
    changes += 1
    lock.unlock()
  }

  /// The growth analysis of the whole series (nil for fewer than two snapshots), computed
  /// once per version.
  public var growth: GrowthAnalysis? {
    lock.lock()
    let (current, version, cached) = (list, changes, growthCache)
    lock.unlock()
    guard current.count >= 2 else { return nil }
    if let cached, cached.version == version { return cached.analysis }
    let analysis = GrowthAnalysis(profiles: current.map(\.profile), sources: current.map(\.source))
    lock.lock()
    growthCache = (version, analysis)
    lock.unlock()
    return analysis
  }
}
