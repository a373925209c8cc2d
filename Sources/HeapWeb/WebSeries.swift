import Foundation
import HeapLeakAnalysis
import HeapProfile

/// The profiles a web UI or HTML report shows: a series of snapshots of one process (in
/// time order), or, for profiles of different processes, one profile merged from all of
/// them as pprof merges them. A served series can show its newest profile while the
/// others are still being read, and a live series grows while it is served. Thread-safe.
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
  private var ownersCache: [String: [MapOwner]] = [:]
  private var frameKinds: [String: WebViews.FrameKind] = [:]
  private var note: String?
  private var pendingCount = 0
  private let firstView = NSCondition()
  private var viewServed = false
  /// Whether snapshots are still being added (`heapprof web --live`).
  public let isLive: Bool

  /// Makes the series of `profiles` (with display names `sources`): a series when every
  /// profile is of the same process (same pid, or none says), else one merged profile.
  /// - Throws: ``HeapProfile/ProfileError`` when profiles of different processes cannot
  ///   be merged (different sample types).
  public convenience init(profiles: [Profile], sources: [String], live: Bool = false) throws {
    self.init(first: profiles[profiles.count - 1], source: sources[sources.count - 1], live: live, pending: 0)
    try complete(profiles: profiles, sources: sources)
  }

  /// A series that shows `first` (the newest profile) while `pending` more are read; call
  /// ``complete(profiles:sources:)`` with all of them once they are.
  public init(first: Profile, source: String, live: Bool, pending: Int) {
    isLive = live
    list = [Snapshot(index: 0, source: source, profile: first)]
    pendingCount = pending
  }

  /// Replaces the series with all its profiles, once read: snapshots in time order, or,
  /// for profiles of different processes, one merged profile.
  /// - Throws: ``HeapProfile/ProfileError`` when those cannot be merged.
  public func complete(profiles: [Profile], sources: [String]) throws {
    let pids = Set(profiles.compactMap { $0.attributes["pid"] })
    var snapshots: [Snapshot]
    var mergedNote: String?
    if pids.count > 1 {
      let merged = try Profile.merge(profiles)
      mergedNote =
        "The \(profiles.count) profiles come from \(pids.count) processes (pids "
        + pids.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.joined(separator: ", ")
        + "): they are merged into one profile, as pprof merges profiles."
      snapshots = [Snapshot(index: 0, source: sources.joined(separator: " + "), profile: merged)]
    } else {
      var order = Array(profiles.indices)
      if profiles.allSatisfy({ $0.timeNanos > 0 }) {
        order.sort { (profiles[$0].timeNanos, $0) < (profiles[$1].timeNanos, $1) }
      }
      snapshots = order.enumerated().map {
        Snapshot(index: $0.offset, source: sources[$0.element], profile: profiles[$0.element])
      }
    }
    lock.lock()
    list = snapshots
    note = mergedNote
    pendingCount = 0
    changes += 1
    lock.unlock()
  }

  /// When the inputs were profiles of different processes, the sentence that says so.
  public var mergedNote: String? {
    lock.lock()
    defer { lock.unlock() }
    return note
  }

  /// How many of the given profiles are still being read.
  public var pending: Int {
    lock.lock()
    defer { lock.unlock() }
    return pendingCount
  }

  /// The snapshots so far.
  public var snapshots: [Snapshot] {
    lock.lock()
    defer { lock.unlock() }
    return list
  }

  /// Changes with every change of the snapshots: part of every cache key.
  public var version: Int {
    lock.lock()
    defer { lock.unlock() }
    return changes
  }

  /// Says that a view has been served. The first one ends ``waitForFirstView(timeout:)``.
  func noteViewServed() {
    firstView.lock()
    if !viewServed {
      viewServed = true
      firstView.broadcast()
    }
    firstView.unlock()
  }

  /// Waits until the page has been served its first view, or `timeout` seconds: the other
  /// profiles are read after it, so that the first picture does not share the two cores
  /// of a small machine with them.
  public func waitForFirstView(timeout: TimeInterval) {
    let deadline = Date(timeIntervalSinceNow: timeout)
    firstView.lock()
    while !viewServed && firstView.wait(until: deadline) {}
    firstView.unlock()
  }

  /// Adds a snapshot taken while serving (`--live`).
  public func append(_ profile: Profile, source: String) {
    lock.lock()
    list.append(Snapshot(index: list.count, source: source, profile: profile))
    changes += 1
    lock.unlock()
  }

  /// The map owners of snapshot `index`, computed once per snapshot (keyed by its file, so
  /// that the newest profile's owners, computed for the first view while the others are
  /// read, are still known when the series is complete).
  func owners(of index: Int) -> [MapOwner] {
    lock.lock()
    let snapshot = list.indices.contains(index) ? list[index] : nil
    let key = snapshot?.source ?? ""
    let cached = ownersCache[key]
    lock.unlock()
    if let cached { return cached }
    let owners = snapshot.map { MapAnalysis.owners(in: $0.profile) } ?? []
    lock.lock()
    if ownersCache.count > 8 { ownersCache.removeAll() }
    ownersCache[key] = owners
    lock.unlock()
    return owners
  }

  /// What each of `names` is, for its colour and badge (`owners`: the snapshot's map
  /// owners). Classifying a name takes dozens of string searches and every view names
  /// thousands of frames, so each name is classified once per series.
  func kinds(of names: [String], owners: Set<String>) -> [WebViews.FrameKind] {
    lock.lock()
    defer { lock.unlock() }
    return names.map { name in
      if owners.contains(name) { return .mapOwner }
      if let known = frameKinds[name] { return known }
      let facts = FrameClassifier.facts(of: name)
      let kind: WebViews.FrameKind = facts.mapKind != nil ? .mapCode : facts.isLibrary ? .library : .program
      frameKinds[name] = kind
      return kind
    }
  }

  /// The growth analysis of the whole series (nil for fewer than two snapshots, or while
  /// profiles are still being read), computed once per version.
  public var growth: GrowthAnalysis? {
    lock.lock()
    let (current, version, cached, pendingNow) = (list, changes, growthCache, pendingCount)
    lock.unlock()
    guard current.count >= 2, pendingNow == 0 else { return nil }
    if let cached, cached.version == version { return cached.analysis }
    let analysis = GrowthAnalysis(profiles: current.map(\.profile), sources: current.map(\.source))
    lock.lock()
    growthCache = (version, analysis)
    lock.unlock()
    return analysis
  }
}
