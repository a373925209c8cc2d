import Foundation
import HeapProfile

/// Reads a series of snapshots of one process the way an engineer hunting a leak does:
/// per site, in-use at each snapshot and the change between them; then it names the leak
/// suspects (sites that grew in every interval and account for most of the growth) and
/// tells them apart from bounded caches (grew, then stopped) and churn (much allocated,
/// flat in-use). Sites that feed one map (its storage and the entries allocated on its
/// insert path) are judged together as one finding.
public struct GrowthAnalysis: Sendable {
  /// One snapshot's identity and total.
  public struct Snapshot: Sendable, Codable {
    public var source: String
    public var timeNanos: Int64
    public var pid: String?
    public var seq: String?
    public var inuseBytes: Int64
  }

  /// Sites that are judged together: one map with its entries, or one allocation stack.
  public struct Group: Sendable, Codable {
    /// What kind of finding the group makes.
    public enum Verdict: String, Sendable, Codable {
      case leak = "leak suspect"
      case cacheWithoutEviction = "cache without eviction"
      case boundedCache = "bounded cache"
      case churn = "churn"
      case stable = "stable"
    }
    public var verdict: Verdict
    /// One line, the verdict in words with the fix.
    public var summary: String
    /// In-use bytes at each snapshot.
    public var inuseBytes: [Int64]
    /// Bytes allocated between the first and the last snapshot (nil without alloc totals).
    public var allocatedBytes: Int64?
    /// Last minus first in-use.
    public var growthBytes: Int64
    /// Share of the total positive growth, 0...1.
    public var growthShare: Double
    /// Growth per second, when the snapshots carry times.
    public var bytesPerSecond: Double?
    /// Whether in-use grew in every interval.
    public var grewEveryInterval: Bool
    /// Snapshots that the oldest bytes of the largest site have been seen in.
    public var survivedSnapshots: Int
    /// Frames from the entry point to the allocation of the largest site, root first.
    public var path: [String]
    /// The program function that allocates (the leaf-most program frame).
    public var allocatingFunction: String
    /// The map these sites feed, if any: `Dictionary<String, HeavyObject>`.
    public var map: String?
    /// The map's owner function.
    public var mapOwner: String?
    /// For a map: the path from the entry point to the owner that inserts, root first.
    public var insertPath: [String]?
    /// How many sites the group joins.
    public var siteCount: Int
  }

  public var snapshots: [Snapshot]
  /// Sum of all positive site growth: what the shares are of.
  public var totalGrowthBytes: Int64
  /// Leak suspects first (largest growth first), then bounded caches, then churn.
  public var groups: [Group]
  /// Notes for the reader, e.g. snapshots of different processes.
  public var notes: [String]

  /// The leak suspects (including caches without eviction).
  public var suspects: [Group] { groups.filter { $0.verdict == .leak || $0.verdict == .cacheWithoutEviction } }

  /// Analyzes `profiles` (symbolized, allocator frames not pruned), given in time order;
  /// they are re-sorted by time when every one carries a time.
  /// - Parameter sources: display names of the profiles, parallel to `profiles`.
  public init(profiles: [Profile], sources: [String]) {
    var order = Array(profiles.indices)
    if profiles.allSatisfy({ $0.timeNanos > 0 }) {
      order.sort { (profiles[$0].timeNanos, $0) < (profiles[$1].timeNanos, $1) }
    }
    let tables = order.map { StackTable(profiles[$0]) }
    let n = tables.count
    var notes: [String] = []
    let pids = Set(order.compactMap { profiles[$0].attributes["pid"] })
    if pids.count > 1 {
      notes.append("the snapshots come from \(pids.count) processes (pids \(pids.sorted().joined(separator: ", "))); growth compares them as one")
    }

    // Every site across snapshots, by its frames.
    var siteIndex: [[String]: Int] = [:]
    var frames: [[String]] = []
    var inuse: [[Int64]] = []
    var alloc: [[Int64?]] = []
    for (s, table) in tables.enumerated() {
      for stack in table.stacks {
        let i: Int
        if let at = siteIndex[stack.frames] {
          i = at
        } else {
          i = frames.count
          siteIndex[stack.frames] = i
          frames.append(stack.frames)
          inuse.append(Array(repeating: 0, count: n))
          alloc.append(Array(repeating: nil, count: n))
        }
        inuse[i][s] += stack.inuseBytes
        if let b = stack.allocBytes { alloc[i][s] = (alloc[i][s] ?? 0) + b }
      }
    }
    let totalGrowth = inuse.reduce(Int64(0)) { $0 + max(0, ($1.last ?? 0) - ($1.first ?? 0)) }

    // Group the sites of each map: storage plus the entries on its insert path.
    let owners = tables.last.map { MapAnalysis.owners(in: $0) } ?? []
    var groupOf = Array(repeating: -1, count: frames.count)
    var groupOwners: [MapOwner?] = []
    var groupInsertPaths: [[String]?] = []
    var members: [[Int]] = []
    for owner in owners {
      let rootPath = MapAnalysis.fullPath(to: owner, in: tables.last!)
      let anchorDepth = owner.entriesAnchor.flatMap { a in rootPath.lastIndex(of: a) } ?? (rootPath.count - 1)
      let prefix = Array(rootPath.prefix(anchorDepth + 1))
      guard !prefix.isEmpty else { continue }
      var these: [Int] = []
      // The map's storage, and what grew on its insert path; flat neighbours stay apart
      // (a churning allocation under the same handler is a finding of its own).
      for i in frames.indices where groupOf[i] < 0 && frames[i].count > prefix.count
        && MapAnalysis.hasRootPrefix(frames[i], prefix)
        && (inuse[i].last! > inuse[i].first! || MapAnalysis.storageFrame(frames[i]) != nil)
      {
        these.append(i)
      }
      guard !these.isEmpty else { continue }
      for i in these { groupOf[i] = members.count }
      members.append(these)
      groupOwners.append(owner)
      groupInsertPaths.append(rootPath)
    }
    for i in frames.indices where groupOf[i] < 0 {
      groupOf[i] = members.count
      members.append([i])
      groupOwners.append(nil)
      groupInsertPaths.append(nil)
    }

    let seconds: Double? = {
      let times = order.map { profiles[$0].timeNanos }
      guard n >= 2, times.allSatisfy({ $0 > 0 }), times.last! > times.first! else { return nil }
      return Double(times.last! - times.first!) / 1e9
    }()

    // Everything allocated between the first and the last snapshot.
    let totalAllocated = alloc.reduce(Int64(0)) { $0 + max(0, ($1.last.flatMap { $0 } ?? 0) - ($1.first.flatMap { $0 } ?? 0)) }
    var groups: [Group] = []
    for (g, sites) in members.enumerated() {
      var series = Array(repeating: Int64(0), count: n)
      var firstAlloc: Int64 = 0, lastAlloc: Int64 = 0, hasAlloc = true
      for i in sites {
        for s in 0..<n { series[s] += inuse[i][s] }
        if let a = alloc[i].first ?? nil { firstAlloc += a } else if alloc[i].first != nil { hasAlloc = false }
        if let a = alloc[i].last ?? nil { lastAlloc += a }
        if alloc[i].allSatisfy({ $0 == nil }) { hasAlloc = false }
      }
      let growth = (series.last ?? 0) - (series.first ?? 0)
      let every = n >= 2 && zip(series, series.dropFirst()).allSatisfy { $1 > $0 }
      let largest = sites.max { abs(inuse[$0].last! - inuse[$0].first!) + inuse[$0].last! < abs(inuse[$1].last! - inuse[$1].first!) + inuse[$1].last! }!
      let owner = groupOwners[g]
      let group = Group(
        verdict: .stable, summary: "", inuseBytes: series,
        allocatedBytes: hasAlloc ? lastAlloc - firstAlloc : nil, growthBytes: growth,
        growthShare: totalGrowth > 0 ? Double(max(0, growth)) / Double(totalGrowth) : 0,
        bytesPerSecond: seconds.map { Double(growth) / $0 }, grewEveryInterval: every,
        survivedSnapshots: GrowthAnalysis.survived(inuse[largest]),
        path: GrowthAnalysis.displayPath(frames[largest]),
        allocatingFunction: frames[largest].first { !FrameClassifier.isLibrary($0) } ?? frames[largest].first ?? "?",
        map: owner?.typeDescription, mapOwner: owner?.owner, insertPath: groupInsertPaths[g],
        siteCount: sites.count)
      groups.append(GrowthAnalysis.classify(group, owner: owner, snapshots: n, totalAllocated: totalAllocated))
    }
    groups = groups.filter { $0.verdict != .stable }
    let rank: [Group.Verdict: Int] = [.cacheWithoutEviction: 0, .leak: 0, .boundedCache: 1, .churn: 2, .stable: 3]
    groups.sort {
      (rank[$0.verdict]!, -$0.growthBytes, -($0.allocatedBytes ?? 0), $0.allocatingFunction)
        < (rank[$1.verdict]!, -$1.growthBytes, -($1.allocatedBytes ?? 0), $1.allocatingFunction)
    }

    self.snapshots = order.enumerated().map { (s, p) in
      Snapshot(
        source: sources[p], timeNanos: profiles[p].timeNanos, pid: profiles[p].attributes["pid"],
        seq: profiles[p].attributes["seq"], inuseBytes: tables[s].stacks.reduce(0) { $0 + $1.inuseBytes })
    }
    self.totalGrowthBytes = totalGrowth
    self.groups = groups
    self.notes = notes
  }

  /// Minimum share of the total growth for a steady grower to be named a leak suspect.
  static let suspectShare = 0.05

  /// Bytes allocated between the snapshots before churn is worth a line.
  static let minChurnBytes: Int64 = 256 * 1024

  static func classify(_ g: Group, owner: MapOwner?, snapshots n: Int, totalAllocated: Int64) -> Group {
    var g = g
    let peak = g.inuseBytes.max() ?? 0
    if g.grewEveryInterval && g.growthBytes > 0 && g.growthShare >= suspectShare {
      if let owner {
        g.verdict = .cacheWithoutEviction
        g.summary = "\(owner.typeDescription) in \(owner.owner) grew in every interval and its entries are never removed: "
          + owner.kind.removeAdvice + "."
      } else {
        g.verdict = .leak
        g.summary = "in-use grew in every interval and nothing frees it: find what keeps these objects alive "
          + "(a collection that only grows, a cycle, a forgotten reference) and release them."
      }
      return g
    }
    let lastStep = n >= 2 ? g.inuseBytes[n - 1] - g.inuseBytes[n - 2] : 0
    if let allocated = g.allocatedBytes, allocated >= max(minChurnBytes, Int64(Double(totalAllocated) * 0.01)),
      allocated >= 10 * max(peak, 1),
      abs(g.growthBytes) <= max(peak / 10, 4096)
    {
      g.verdict = .churn
      g.summary = "allocated \(formatBytes(allocated)) between the snapshots while in-use stayed at about "
        + "\(formatBytes(g.inuseBytes.last ?? 0))"
        + (owner.map { ": a new \($0.typeDescription) per iteration — \($0.kind.churnAdvice)." }
          ?? ((g.inuseBytes.last ?? 0) >= 64 * 1024
            ? ": objects are replaced as fast as they are made, so memory stays bounded (an evicting cache or a pool); only the allocation rate costs — reuse objects if it matters."
            : ": reuse buffers or objects instead of allocating per request."))
      return g
    }
    if n >= 3, g.growthBytes > 0, g.growthShare >= suspectShare, abs(lastStep) <= peak / 50 {
      g.verdict = .boundedCache
      g.summary = "grew, then stopped: in-use has stayed near \(formatBytes(peak)) — a bounded cache or pool, not a leak."
      return g
    }
    return g
  }

  /// How many snapshots the oldest bytes of a site have been seen in: from the first
  /// snapshot whose in-use never fell below its value again, to the last.
  static func survived(_ series: [Int64]) -> Int {
    for (i, v) in series.enumerated() where v > 0 {
      if series[i...].allSatisfy({ $0 >= v }) { return series.count - i }
    }
    return 0
  }

  /// Root-first frames without the allocator frames at the leaf.
  static func displayPath(_ leafFirst: [String]) -> [String] {
    var frames = leafFirst[...]
    while let f = frames.first, AllocatorFrames.isAllocator(f) { frames = frames.dropFirst() }
    return Array(frames.reversed())
  }
}
