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
    /// Why the runtime wrote it (`exit`, `signal`, `interval`…), when the dump says.
    public var reason: String?
    /// Whether it is the dump a process writes as it ends (reason `exit…`).
    public var isExitDump: Bool { Self.isExit(reason) }
    /// Whether a dump's reason says the process wrote it as it ended (`exit`, `exit-signal`…).
    static func isExit(_ reason: String?) -> Bool { reason?.hasPrefix("exit") ?? false }
  }

  /// Sites that are judged together: one map with its entries, or one allocation stack.
  public struct Group: Sendable, Codable {
    /// What kind of finding the group makes.
    public enum Verdict: String, Sendable, Codable {
      case leak = "leak suspect"
      case cacheWithoutEviction = "cache without eviction"
      /// Maps emptied and kept (``MapFinding/Kind/emptiedTablesKept``): their tables grow.
      case emptiedMapsKept = "emptied maps kept"
      case boundedCache = "bounded cache"
      case churn = "churn"
      case stable = "stable"
    }
    public var verdict: Verdict
    /// Whether the verdict makes it a leak suspect.
    public var isSuspect: Bool { verdict == .leak || verdict == .cacheWithoutEviction || verdict == .emptiedMapsKept }
    /// One line, the verdict in words with the fix.
    public var summary: String
    /// In-use bytes at each snapshot.
    public var inuseBytes: [Int64]
    /// In-use objects at each snapshot.
    public var inuseObjects: [Int64]
    /// Whether the live object count grew overall and never went down between the judged
    /// snapshots: objects kept while their bytes may have fallen (payloads freed,
    /// containers kept).
    public var objectsNeverDecreased: Bool
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
    /// The outer map that keeps this map's tables as its values (`type in owner`), if any.
    public var mapKeptBy: String?
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
  /// How many snapshots, from the first, the verdicts are judged on: all, or all but a
  /// last dump written at exit (what a process frees as it ends is not a fix).
  public var judgedSnapshots: Int
  /// Sum of the live-object growth of every site that gained objects, over the judged snapshots.
  public var totalObjectGrowth: Int64

  /// The leak suspects (including caches without eviction).
  public var suspects: [Group] { groups.filter(\.isSuspect) }

  /// The numbers that decide a verdict, named.
  public struct Thresholds: Sendable {
    /// Least share of the total growth for a steady grower to be named a leak suspect.
    public var suspectShare = 0.05
    /// Least bytes allocated between the snapshots before churn is worth a line.
    public var minChurnBytes: Int64 = 256 * 1024
    /// Least share of everything allocated between the snapshots, likewise.
    public var minChurnShareOfAllocated = 0.01
    /// Churn allocates at least this many times its peak in-use.
    public var churnAllocatedPerPeak: Int64 = 10
    /// Churn's in-use moves by at most this fraction of its peak (or ``churnFlatBytes``).
    public var churnFlatFraction: Int64 = 10
    /// ... or by at most this many bytes.
    public var churnFlatBytes: Int64 = 4096
    /// A group holding this much while churning is a bounded pool, not a per-request waste.
    public var boundedPoolBytes: Int64 = 64 * 1024
    /// A bounded cache's last step is at most 1/this of its peak (bytes and objects).
    public var boundedLastStepFraction: Int64 = 50
    /// Bytes a suspect must have grown by, at least, and its share of the peak in-use.
    public var minSuspectBytes: Int64 = 32 * 1024
    public var minSuspectShareOfInuse: Double = 0.001
    /// Live objects a site must have gained to be a suspect by its object count alone.
    public var minKeptObjects: Int64 = 16
    /// ... and bytes it must have held at its peak.
    public var minKeptBytes: Int64 = 64 * 1024
    public init() {}
  }

  /// Analyzes `profiles` (symbolized, allocator frames not pruned), given in time order;
  /// they are re-sorted by time when every one carries a time.
  /// - Parameter sources: display names of the profiles, parallel to `profiles`.
  /// - Parameter policy: the allocation wrappers to look past (``FramePolicy``).
  public init(profiles: [Profile], sources: [String], thresholds: Thresholds = .init(), policy: FramePolicy = .init()) {
    let order = Self.timeOrder(profiles)
    var tables: [StackTable] = []
    var known: [String: FrameFacts] = [:]
    for i in order {
      let table = StackTable(profiles[i], known: known, policy: policy)
      known.merge(table.frameFacts) { a, _ in a }
      tables.append(table)
    }
    // A last dump written at exit, after others, is shown but not judged: the process
    // may free its caches (static destructors, deinit) as it ends.
    let exitLast =
      order.count >= 3 && Snapshot.isExit(profiles[order[order.count - 1]].attributes["reason"])
    let judgedCount = exitLast ? order.count - 1 : order.count
    let sites = SiteSeries(tables, judged: judgedCount)
    // Maps are found in the last judged snapshot (at exit they may be gone).
    let groups = Self.groupByMap(sites, last: tables[judgedCount - 1])
    let seconds = Self.span(order.prefix(judgedCount).map { profiles[$0].timeNanos })
    var judged: [Group] = []
    for members in groups {
      var group = Self.classify(
        Self.measure(members, sites: sites, seconds: seconds), owner: members.owner, snapshots: judgedCount,
        sites: sites, thresholds: thresholds)
      // Only what is reported needs its path (most sites of a large profile are stable).
      if group.verdict != .stable { Self.describe(&group, members, sites: sites, facts: tables.last) }
      judged.append(group)
    }
    self.snapshots = order.enumerated().map { (s, p) in
      Snapshot(
        source: sources[p], timeNanos: profiles[p].timeNanos, pid: profiles[p].attributes["pid"],
        seq: profiles[p].attributes["seq"], inuseBytes: tables[s].stacks.reduce(0) { $0 + $1.inuseBytes },
        reason: profiles[p].attributes["reason"])
    }
    self.judgedSnapshots = judgedCount
    self.totalObjectGrowth = sites.totalObjectGrowth
    self.totalGrowthBytes = sites.totalGrowth
    self.groups = Self.ranked(judged.filter { $0.verdict != .stable })
    let pids = Set(order.compactMap { profiles[$0].attributes["pid"] })
    var notes: [String] = []
    if pids.count > 1 {
      notes.append(
        "the snapshots come from \(pids.count) processes (pids \(pids.sorted().joined(separator: ", "))); growth compares them as one"
      )
    }
    if exitLast {
      notes.append(
        "snapshot \(order.count) is the dump written at exit: verdicts are judged on snapshots 1–\(judgedCount) "
          + "(what a process frees as it ends is not a fix)")
    }
    self.notes = notes
  }

  // MARK: - Steps

  /// Every allocation stack across the snapshots, with its in-use and allocated bytes in each.
  struct SiteSeries {
    /// Frames of each site, leaf first.
    var frames: [[String]] = []
    /// In-use bytes of each site at each snapshot.
    var inuse: [[Int64]] = []
    /// In-use objects of each site at each snapshot.
    var objects: [[Int64]] = []
    /// Allocated bytes of each site at each snapshot (nil where the profile has none).
    var alloc: [[Int64?]] = []
    /// Number of snapshots.
    let count: Int
    /// Number of snapshots, from the first, that the verdicts are judged on.
    let judged: Int

    init(_ tables: [StackTable], judged: Int? = nil) {
      count = tables.count
      self.judged = judged ?? tables.count
      var index: [StackKey: Int] = [:]
      for (s, table) in tables.enumerated() {
        for stack in table.stacks {
          let i: Int
          if let at = index[stack.key] {
            i = at
          } else {
            i = frames.count
            index[stack.key] = i
            frames.append(stack.frames)
            inuse.append(Array(repeating: 0, count: count))
            objects.append(Array(repeating: 0, count: count))
            alloc.append(Array(repeating: nil, count: count))
          }
          inuse[i][s] += stack.inuseBytes
          objects[i][s] += stack.inuseObjects
          if let b = stack.allocBytes { alloc[i][s] = (alloc[i][s] ?? 0) + b }
        }
      }
      let last = self.judged - 1
      totalGrowth = inuse.indices.reduce(Int64(0)) { $0 + max(0, growth($1)) }
      totalObjectGrowth = objects.reduce(Int64(0)) { $0 + max(0, $1[last] - $1[0]) }
      peakInuse = (0..<self.judged).map { s in inuse.reduce(Int64(0)) { $0 + $1[s] } }.max() ?? 0
      totalAllocated = alloc.reduce(Int64(0)) {
        $0 + max(0, ($1[last] ?? 0) - ($1.first.flatMap { $0 } ?? 0))
      }
    }

    /// Last judged minus first in-use of site `i`.
    func growth(_ i: Int) -> Int64 { inuse[i][judged - 1] - inuse[i][0] }

    /// Sum of all positive growth of live object counts (computed once).
    private(set) var totalObjectGrowth: Int64 = 0

    /// Sum of all positive site growth: what the shares are of (computed once).
    private(set) var totalGrowth: Int64 = 0

    /// Everything allocated between the first and the last snapshot (computed once).
    private(set) var totalAllocated: Int64 = 0

    /// The largest in-use total of the judged snapshots.
    private(set) var peakInuse: Int64 = 0
  }

  /// Sites judged together: one map's storage and entries, or one stack alone.
  struct Members {
    var sites: [Int]
    var owner: MapOwner?
    var insertPath: [String]?
  }

  /// Profile order: as given, or by time when every profile has one.
  static func timeOrder(_ profiles: [Profile]) -> [Int] {
    var order = Array(profiles.indices)
    if profiles.allSatisfy({ $0.timeNanos > 0 }) {
      order.sort { (profiles[$0].timeNanos, $0) < (profiles[$1].timeNanos, $1) }
    }
    return order
  }

  /// Seconds from the first to the last snapshot, when they carry times.
  static func span(_ times: [Int64]) -> Double? {
    guard times.count >= 2, times.allSatisfy({ $0 > 0 }), let first = times.first, let last = times.last, last > first
    else { return nil }
    return Double(last - first) / 1e9
  }

  /// Groups the sites of each map owner found in the last snapshot (its storage, and what
  /// grew on its insert path; flat neighbours stay apart: a churning allocation under the
  /// same handler is a finding of its own); every other site is a group of its own.
  static func groupByMap(_ sites: SiteSeries, last: StackTable?) -> [Members] {
    var groupOf = Array(repeating: false, count: sites.frames.count)
    var groups: [Members] = []
    if let last {
      for owner in MapAnalysis.owners(in: last) {
        let rootPath = MapAnalysis.fullPath(to: owner, in: last)
        let anchorDepth = owner.entriesAnchor.flatMap { a in rootPath.lastIndex(of: a) } ?? (rootPath.count - 1)
        let prefix = Array(rootPath.prefix(anchorDepth + 1))
        guard !prefix.isEmpty else { continue }
        let these = sites.frames.indices.filter { i in
          !groupOf[i] && sites.frames[i].count > prefix.count && MapAnalysis.hasRootPrefix(sites.frames[i], prefix)
            && (sites.growth(i) > 0 || MapAnalysis.storageFrame(sites.frames[i], facts: last.facts) != nil)
        }
        guard !these.isEmpty else { continue }
        for i in these { groupOf[i] = true }
        groups.append(Members(sites: these, owner: owner, insertPath: rootPath))
      }
    }
    // Every other site is judged with the sites that share its path once allocation
    // wrappers are looked past (`zmalloc` and `zcalloc` under one caller are one finding).
    var byPath: [[String]: Int] = [:]
    let isAllocator = { (f: String) in last?.facts(f).isAllocator ?? AllocatorFrames.isAllocator(f) }
    for i in sites.frames.indices where !groupOf[i] {
      let path = displayPath(sites.frames[i], isAllocator: isAllocator)
      if let at = byPath[path] {
        groups[at].sites.append(i)
      } else {
        byPath[path] = groups.count
        groups.append(Members(sites: [i], owner: nil, insertPath: nil))
      }
    }
    return groups
  }

  /// The numbers of one group, before a verdict (``describe(_:_:sites:facts:)`` adds the
  /// paths of a group that is reported).
  static func measure(_ members: Members, sites: SiteSeries, seconds: Double?) -> Group {
    let n = sites.count
    let judged = sites.judged
    var series = Array(repeating: Int64(0), count: n)
    var objects = Array(repeating: Int64(0), count: n)
    var firstAlloc: Int64 = 0, lastAlloc: Int64 = 0, hasAlloc = true
    for i in members.sites {
      for s in 0..<n {
        series[s] += sites.inuse[i][s]
        objects[s] += sites.objects[i][s]
      }
      if let a = sites.alloc[i].first ?? nil {
        firstAlloc += a
      } else if sites.alloc[i].first != nil {
        hasAlloc = false
      }
      if let a = sites.alloc[i][judged - 1] { lastAlloc += a }
      if sites.alloc[i].allSatisfy({ $0 == nil }) { hasAlloc = false }
    }
    let seen = Array(series.prefix(judged)), seenObjects = Array(objects.prefix(judged))
    let growth = (seen.last ?? 0) - (seen.first ?? 0)
    let totalGrowth = sites.totalGrowth
    let largest = Self.largest(members, sites)
    return Group(
      verdict: .stable, summary: "", inuseBytes: series, inuseObjects: objects,
      objectsNeverDecreased: judged >= 2 && (seenObjects.last ?? 0) > (seenObjects.first ?? 0)
        && zip(seenObjects, seenObjects.dropFirst()).allSatisfy { $1 >= $0 },
      allocatedBytes: hasAlloc ? lastAlloc - firstAlloc : nil, growthBytes: growth,
      growthShare: totalGrowth > 0 ? Double(max(0, growth)) / Double(totalGrowth) : 0,
      bytesPerSecond: seconds.map { Double(growth) / $0 },
      grewEveryInterval: judged >= 2 && zip(seen, seen.dropFirst()).allSatisfy { $1 > $0 },
      survivedSnapshots: survived(Array(sites.inuse[largest].prefix(judged))), path: [], allocatingFunction: "",
      map: members.owner?.typeDescription, mapOwner: members.owner?.owner, mapKeptBy: members.owner?.keptBy,
      insertPath: members.insertPath,
      siteCount: members.sites.count)
  }

  /// The site that says most about a group: the largest growth plus what it holds.
  static func largest(_ members: Members, _ sites: SiteSeries) -> Int {
    func weight(_ i: Int) -> Int64 { abs(sites.growth(i)) + (sites.inuse[i].last ?? 0) }
    return members.sites.max { weight($0) < weight($1) } ?? members.sites[0]
  }

  /// Fills in a reported group's path and allocating function from its largest site.
  static func describe(_ g: inout Group, _ members: Members, sites: SiteSeries, facts: StackTable?) {
    let frames = sites.frames[largest(members, sites)]
    let facts = { (f: String) in facts?.facts(f) ?? FrameClassifier.facts(of: f) }
    g.path = displayPath(frames, isAllocator: { facts($0).isAllocator })
    g.allocatingFunction = frames.first { !facts($0).isLibrary } ?? frames.first ?? "?"
  }

  /// Leak suspects first (largest growth first), then bounded caches, then churn.
  static func ranked(_ groups: [Group]) -> [Group] {
    func rank(_ v: Group.Verdict) -> Int {
      switch v {
      case .cacheWithoutEviction, .leak, .emptiedMapsKept: return 0
      case .boundedCache: return 1
      case .churn: return 2
      case .stable: return 3
      }
    }
    return groups.sorted {
      (rank($0.verdict), -$0.growthBytes, -($0.allocatedBytes ?? 0), $0.allocatingFunction)
        < (rank($1.verdict), -$1.growthBytes, -($1.allocatedBytes ?? 0), $1.allocatingFunction)
    }
  }

  /// The verdict of one group, judged on its first `n` snapshots.
  static func classify(_ g: Group, owner: MapOwner?, snapshots n: Int, sites: SiteSeries, thresholds t: Thresholds)
    -> Group
  {
    var g = g
    let bytes = Array(g.inuseBytes.prefix(n)), objects = Array(g.inuseObjects.prefix(n))
    let peak = bytes.max() ?? 0
    let objectGrowth = (objects.last ?? 0) - (objects.first ?? 0)
    let objectShare = Double(max(0, objectGrowth)) / Double(max(1, sites.totalObjectGrowth))
    // A suspect's growth must matter to the process too: a few hundred bytes of runtime
    // metadata are all the growth of a process whose memory fell.
    let matters = g.growthBytes >= max(t.minSuspectBytes, Int64(Double(sites.peakInuse) * t.minSuspectShareOfInuse))
    let grewInBytes = g.grewEveryInterval && g.growthBytes > 0 && g.growthShare >= t.suspectShare && matters
    let lastStep = n >= 2 ? bytes[n - 1] - bytes[n - 2] : 0
    let lastObjectStep = n >= 2 ? objects[n - 1] - objects[n - 2] : 0
    let objectsLevelledOff = abs(lastObjectStep) <= max(1, (objects.max() ?? 0) / t.boundedLastStepFraction)
    // Objects kept while their bytes fell: containers emptied but never released. Still
    // gaining objects at the end (a pool that filled up and stopped is bounded).
    let keptObjects =
      g.objectsNeverDecreased && !objectsLevelledOff && objectGrowth >= t.minKeptObjects
      && objectShare >= t.suspectShare && peak >= t.minKeptBytes
    if grewInBytes || keptObjects {
      // Bytes that grew in every interval make a plain leak, whatever share decided it.
      let plain = g.grewEveryInterval && g.growthBytes > 0
      let how =
        plain
        ? "grew in every interval"
        : "kept every object it made (\(objects.first ?? 0) → \(objects.last ?? 0) live objects, never fewer) "
          + "though its bytes went \(formatBytes(bytes.first ?? 0)) → \(formatBytes(bytes.last ?? 0))"
      if let owner, let emptied = owner.findings.first(where: { $0.kind == .emptiedTablesKept }) {
        g.verdict = .emptiedMapsKept
        g.summary = "\(owner.typeDescription) in \(owner.owner) \(how): " + emptied.message
      } else if let owner {
        g.verdict = .cacheWithoutEviction
        g.summary =
          "\(owner.typeDescription) in \(owner.owner) \(how) and its entries are never removed: "
          + owner.kind.removeAdvice + "."
      } else {
        g.verdict = .leak
        g.summary =
          plain
          ? "in-use grew in every interval and nothing frees it: find what keeps these objects alive "
            + "(a collection that only grows, a cycle, a forgotten reference) and release them."
          : "it \(how): what these objects held was freed, the objects themselves are still referenced "
            + "(emptied containers kept in a collection) — remove them, not only their contents."
      }
      return g
    }
    if let allocated = g.allocatedBytes,
      allocated >= max(t.minChurnBytes, Int64(Double(sites.totalAllocated) * t.minChurnShareOfAllocated)),
      allocated >= t.churnAllocatedPerPeak * max(peak, 1),
      abs(g.growthBytes) <= max(peak / t.churnFlatFraction, t.churnFlatBytes)
    {
      g.verdict = .churn
      g.summary =
        "allocated \(formatBytes(allocated)) between the snapshots while in-use stayed at about "
        + "\(formatBytes(bytes.last ?? 0))"
        + (owner.map { ": a new \($0.typeDescription) per iteration — \($0.kind.churnAdvice)." }
          ?? ((bytes.last ?? 0) >= t.boundedPoolBytes
            ? ": objects are replaced as fast as they are made, so memory stays bounded (an evicting cache or a pool); only the allocation rate costs — reuse objects if it matters."
            : ": reuse buffers or objects instead of allocating per request."))
      return g
    }
    // Bounded: bytes *and* objects levelled off in the last interval.
    if n >= 3, g.growthBytes > 0, g.growthShare >= t.suspectShare, abs(lastStep) <= peak / t.boundedLastStepFraction,
      objectsLevelledOff
    {
      g.verdict = .boundedCache
      g.summary =
        "grew, then stopped: in-use has stayed near \(formatBytes(peak)) — a bounded cache or pool, not a leak."
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
  static func displayPath(_ leafFirst: [String], isAllocator: (String) -> Bool = AllocatorFrames.isAllocator)
    -> [String]
  {
    var frames = leafFirst[...]
    while let f = frames.first, isAllocator(f) { frames = frames.dropFirst() }
    return Array(frames.reversed())
  }
}
