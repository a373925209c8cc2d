import Foundation
import HeapProfile

/// One map owner: the program function whose map storage a profile holds, with the
/// storage's and the entries' numbers and what heapprof concludes from them.
public struct MapOwner: Sendable {
  /// The implementation recognised in the storage stacks.
  public var kind: MapKind
  /// Key and value types as the demangled names carry them (e.g. `String, HeavyObject`),
  /// nil when the names do not say (unspecialized generic code, C++ without templates).
  public var types: String?
  /// The first program frame above the map implementation.
  public var owner: String
  /// The path from the entry point to the owner, root first, entry points left out.
  public var path: [String]
  /// The program frame under which the entries (other allocations made while inserting)
  /// were found: the owner or one of its two nearest callers; nil when none were found.
  public var entriesAnchor: String?
  /// The frames from the root of the stacks to ``entriesAnchor``, root first (entry points
  /// included): every stack that starts so, and is not storage, holds this map's entries.
  public var entriesPath: [String]?

  /// In-use bytes of map storage (tables, buckets, nodes).
  public var storageInuseBytes: Int64 = 0
  /// In-use storage allocations: live tables (or nodes, for node-based maps).
  public var storageInuseObjects: Int64 = 0
  /// Storage allocations over the run; each resize of a hash table is one. Nil when the
  /// profile has no allocation totals.
  public var storageAllocObjects: Int64?
  /// Storage bytes allocated over the run.
  public var storageAllocBytes: Int64?
  /// In-use bytes of bucket tables (part of the storage).
  public var tableInuseBytes: Int64 = 0
  /// In-use bucket tables.
  public var tableInuseObjects: Int64 = 0
  /// Bucket tables allocated over the run (each resize is one); nil without totals.
  public var tableAllocObjects: Int64?
  /// Their bytes.
  public var tableAllocBytes: Int64?
  /// In-use bytes of entry nodes, for node-based maps (part of the storage).
  public var nodeInuseBytes: Int64 = 0
  /// In-use entry nodes: the map's live entries, for node-based maps.
  public var nodeInuseObjects: Int64 = 0
  /// Entry nodes allocated over the run.
  public var nodeAllocObjects: Int64?
  /// In-use bytes of the entries: other allocations on the insert path (keys, values).
  public var entryInuseBytes: Int64 = 0
  /// In-use entry objects.
  public var entryInuseObjects: Int64 = 0
  /// Entry objects allocated over the run.
  public var entryAllocObjects: Int64?
  /// Entry objects at stacks where nothing was ever freed (in-use equals allocated).
  public var entryNeverFreedObjects: Int64 = 0
  /// Their bytes.
  public var entryNeverFreedBytes: Int64 = 0
  /// Entry bytes allocated over the run.
  public var entryAllocBytes: Int64?
  /// The most live objects at one entry sample (one allocation site), and the most
  /// allocated at one: with one object of that site per entry (a cache's value objects),
  /// the live entries.
  public var entryMostInuseObjects: Int64 = 0
  public var entryMostAllocObjects: Int64 = 0
  /// Swift: live and allocated objects made by the value type's own initializer on the
  /// insert path (`Session.__allocating_init` for a `Dictionary<Int, Session>`), the most at
  /// one site: one per entry when the value is a class. Nil when no such site was seen.
  public var valueObjectsInuse: Int64?
  public var valueObjectsAlloc: Int64?
  /// The map that holds this one's tables as its values (`Dictionary<UUID, Dictionary<String,
  /// Data>>` for a `Dictionary<String, Data>`), as `type in owner`; nil for a top-level map.
  public var keptBy: String?
  /// The outer map's kind, for its advice.
  public var keptByKind: MapKind?
  /// Bucket capacity of the live tables and the live entries, when both can be counted
  /// (``MapAnalysis/occupancy(of:)``).
  /// `entries` is nil when the capacity is known but nothing counts the entries (inline
  /// values of a struct type).
  public var occupancy: (capacity: Int64, entries: Int64?)?
  /// What heapprof concludes, most important first.
  public var findings: [MapFinding] = []

  /// `Dictionary<String, HeavyObject>`-style display of the map type.
  public var typeDescription: String {
    let base: String
    switch kind {
    case .swiftDictionary: base = "Dictionary"
    case .swiftSet: base = "Set"
    case .foundationDictionary: base = "NSDictionary"
    case .cxxUnorderedMap: base = "std::unordered_map"
    case .cxxUnorderedSet: base = "std::unordered_set"
    case .cxxMap: base = "std::map"
    case .cxxSet: base = "std::set"
    case .goMap: base = "map"
    case .redisDict, .cpythonDict, .glibHashTable: base = kind.rawValue
    }
    guard let types else { return base }
    return kind == .goMap ? "map[\(types)]" : "\(base)<\(types)>"
  }

  /// In-use bytes of storage and entries together.
  public var inuseBytes: Int64 { storageInuseBytes + entryInuseBytes }
}

/// A conclusion about a map, in plain words with the fix.
public struct MapFinding: Sendable, Codable, Equatable {
  /// The kind of problem.
  public enum Kind: String, Sendable, Codable {
    /// Entries are inserted and never removed: in-use equals everything allocated.
    case neverShrinks = "grows and never shrinks"
    /// Many tables allocated, almost none live: a new map per iteration.
    case churn = "churn"
    /// Many successive resizes of one table from an insert loop.
    case rehashStorm = "rehash storm"
    /// A large table whose buckets are mostly empty: entries were removed, the table kept.
    case mostlyEmpty = "mostly empty table"
    /// Many live tables whose entries were all freed: maps emptied and kept (in an outer map).
    case emptiedTablesKept = "emptied tables kept"
  }

  public var kind: Kind
  /// One sentence: what happens, then the fix.
  public var message: String
}

/// Finds the maps in a profile and what they hold.
///
/// Works on a symbolized profile whose allocator frames have NOT been pruned: the map
/// implementation frames (`_NativeDictionary…`, `std::_Hashtable…`, `runtime.mapassign`)
/// are what identify a map, and pprof's heap drop list would remove some of them.
public enum MapAnalysis {
  /// Thresholds of the findings, chosen so that a bounded cache of a few hundred entries
  /// raises none.
  public struct Thresholds: Sendable {
    /// Entries live before "never removed" is worth saying.
    public var minLeakedEntries: Int64 = 16
    /// Storage allocations before churn is worth saying.
    public var minChurnTables: Int64 = 64
    /// Largest live share of allocated tables that still counts as churn.
    public var churnLiveFraction: Double = 0.05
    /// Bytes a map must hold (leak) or have allocated (churn, resizes) to be mentioned.
    public var minFindingBytes: Int64 = 64 * 1024
    /// Share of the profile's in-use (leak) or allocated (churn, resizes) bytes likewise.
    public var minFindingShare: Double = 0.01
    /// Storage a map must hold before "never shrinks" is said: a leaking map's own table
    /// grows with its entries, while start-up code fills small fixed tables (redis's
    /// command table) next to much larger unrelated allocations.
    public var minLeakStorageBytes: Int64 = 16 * 1024
    /// Highest share of buckets in use that makes a large table "mostly empty".
    public var mostlyEmptyOccupancy: Double = 0.25
    /// Highest share of the entry objects made on the insert path still live, and of live
    /// entries per live table, that make many live tables "emptied and kept".
    public var emptiedLiveFraction: Double = 0.1
    /// Entries the last table of a life must hold for its resizes to make a rehash storm
    /// (smaller maps made per iteration are churn).
    public var minStormEntries: Int64 = 768
    /// Map lives that make resizing worth a finding (one map doubling as it fills is normal).
    public var minStormLives: Double = 8
    public init() {}
  }

  /// The map owners of `profile`, largest in-use first.
  /// `policy` names the allocation wrappers to look past (``FramePolicy``).
  public static func owners(in profile: Profile, thresholds: Thresholds = .init(), policy: FramePolicy = .init())
    -> [MapOwner]
  {
    owners(in: StackTable(profile, policy: policy), thresholds: thresholds)
  }

  /// The map owners of `table`, largest in-use first.
  public static func owners(in table: StackTable, thresholds: Thresholds = .init()) -> [MapOwner] {
    struct Key: Hashable {
      var kind: MapKind
      var owner: String
      var types: String?
    }
    var owners: [Key: MapOwner] = [:]
    var order: [Key] = []
    var storageStacks = Set<Int>()
    // Pass 1: storage — stacks whose allocation is made inside map code.
    for (i, stack) in table.stacks.enumerated() {
      guard let hit = stack.storage else { continue }
      storageStacks.insert(i)
      let above = stack.frames[(hit.ownerIndex)...]
      let owner = stack.frames[hit.ownerIndex]
      let key = Key(kind: hit.kind, owner: owner, types: hit.types)
      if owners[key] == nil {
        let path = Array(above.reversed().filter { !table.facts($0).isEntryPoint })
        owners[key] = MapOwner(kind: hit.kind, types: hit.types, owner: owner, path: path)
        order.append(key)
      }
      owners[key]!.storageInuseBytes += stack.inuseBytes
      owners[key]!.storageInuseObjects += stack.inuseObjects
      switch hit.role ?? (hit.kind.hasNodes ? .node : .table) {
      case .table:
        owners[key]!.tableInuseBytes += stack.inuseBytes
        owners[key]!.tableInuseObjects += stack.inuseObjects
        if let a = stack.allocObjects { owners[key]!.tableAllocObjects = (owners[key]!.tableAllocObjects ?? 0) + a }
        if let b = stack.allocBytes { owners[key]!.tableAllocBytes = (owners[key]!.tableAllocBytes ?? 0) + b }
      case .node:
        owners[key]!.nodeInuseBytes += stack.inuseBytes
        owners[key]!.nodeInuseObjects += stack.inuseObjects
        if let a = stack.allocObjects { owners[key]!.nodeAllocObjects = (owners[key]!.nodeAllocObjects ?? 0) + a }
      case .header, .overflow: break
      }
      if let a = stack.allocObjects { owners[key]!.storageAllocObjects = (owners[key]!.storageAllocObjects ?? 0) + a }
      if let b = stack.allocBytes { owners[key]!.storageAllocBytes = (owners[key]!.storageAllocBytes ?? 0) + b }
    }
    // Pass 2: entries — other allocations under the owner or one of its two nearest
    // callers, on the same path from the root. A caller wins over a nearer level when it
    // holds more than twice the bytes: a cache's values are usually made by the caller
    // that inserts them.
    var claimed = storageStacks
    let totalInuse = table.stacks.reduce(Int64(0)) { $0 + $1.inuseBytes }
    let totalAlloc = table.stacks.reduce(Int64(0)) { $0 + ($1.allocBytes ?? 0) }
    // Nesting: a map whose type is another map's value type is kept by it (its tables are
    // that map's values). Inner maps claim entries first: what is made while inserting
    // into the inner map is its entries, not the outer map's.
    for key in order {
      let inner = owners[key]!
      let outer = order.compactMap { owners[$0] }.filter { o in
        o.owner != inner.owner || o.kind != inner.kind || o.types != inner.types
      }.first { o in
        guard let types = o.types, let value = SymbolName.topLevelArguments(types).last else { return false }
        return value == inner.typeDescription
      }
      if let outer {
        owners[key]!.keptBy = "\(outer.typeDescription) in \(outer.owner)"
        owners[key]!.keptByKind = outer.kind
      }
    }
    let innerFirst = order.filter { owners[$0]!.keptBy != nil } + order.filter { owners[$0]!.keptBy == nil }
    for key in innerFirst {
      var owner = owners[key]!
      let rootFirstPath = fullPath(to: owner, in: table)
      var best: (level: Int, stacks: [Int], weight: Int64)?
      for up in 0..<3 where up < rootFirstPath.count {
        let prefix = Array(rootFirstPath.dropLast(up))
        if let last = prefix.last, table.facts(last).isEntryPoint || table.facts(last).isLibrary { break }
        var stacks: [Int] = []
        var weight: Int64 = 0
        for (i, stack) in table.stacks.enumerated() where !claimed.contains(i) {
          guard stack.frames.count > prefix.count, hasRootPrefix(stack.frames, prefix) else { continue }
          stacks.append(i)
          weight += max(stack.inuseBytes, stack.allocBytes ?? 0)
        }
        // Move up only for much more: a caller's unrelated allocations must not join.
        if !stacks.isEmpty, weight > 2 * (best?.weight ?? 0) { best = (up, stacks, weight) }
      }
      // The value type's initializer, as Swift names it (`Module.Session.__allocating_init…`).
      let valueInit = swiftValueInitializer(owner)
      if let best {
        owner.entriesAnchor = rootFirstPath[rootFirstPath.count - 1 - best.level]
        owner.entriesPath = Array(rootFirstPath.dropLast(best.level))
        for i in best.stacks {
          let stack = table.stacks[i]
          claimed.insert(i)
          owner.entryInuseBytes += stack.inuseBytes
          owner.entryInuseObjects += stack.inuseObjects
          if let a = stack.allocObjects { owner.entryAllocObjects = (owner.entryAllocObjects ?? 0) + a }
          if let b = stack.allocBytes { owner.entryAllocBytes = (owner.entryAllocBytes ?? 0) + b }
          if let a = stack.allocObjects, a > 0, a == stack.inuseObjects {
            owner.entryNeverFreedObjects += a
            owner.entryNeverFreedBytes += stack.inuseBytes
          }
          owner.entryMostInuseObjects = max(owner.entryMostInuseObjects, stack.largestSampleInuseObjects)
          owner.entryMostAllocObjects = max(owner.entryMostAllocObjects, stack.largestSampleAllocObjects)
          if let valueInit, stack.frames.contains(where: { $0.containsBytes(valueInit) }) {
            owner.valueObjectsInuse = max(owner.valueObjectsInuse ?? 0, stack.largestSampleInuseObjects)
            owner.valueObjectsAlloc = max(owner.valueObjectsAlloc ?? 0, stack.largestSampleAllocObjects)
          }
        }
      }
      owner.occupancy = occupancy(of: owner)
      owner.findings = findings(for: owner, thresholds: thresholds, totalInuse: totalInuse, totalAlloc: totalAlloc)
      owners[key] = owner
    }
    return order.map { owners[$0]! }.sorted {
      ($0.inuseBytes, $0.storageAllocObjects ?? 0, $1.owner) > ($1.inuseBytes, $1.storageAllocObjects ?? 0, $0.owner)
    }
  }

  /// Where a storage stack enters map code, and what it allocates there.
  struct StorageHit: Sendable {
    var kind: MapKind
    /// Index (leaf first) of the first program frame above the map frames: the owner.
    var ownerIndex: Int
    var types: String?
    /// What the leaf-most map frame that says so allocates (nil: the names do not say).
    var role: MapStorageRole?
  }

  /// Where a storage stack enters map code and who owns it: the leaf-most map frame must be
  /// reached from the leaf through allocator/library frames only, and the owner is the
  /// first program frame above the map frames.
  static func storageFrame(_ frames: [String], facts: [FrameFacts]) -> StorageHit? {
    var kind: MapKind?
    var outerKind: MapKind?
    var types: String?
    var role: MapStorageRole?
    for (i, f) in facts.enumerated() {
      if let k = f.mapKind {
        if kind == nil {
          kind = k
          // What a Foundation dictionary method allocates itself (the object, key copies,
          // boxes) is not its table, which CFBasicHash or a Swift Dictionary allocates.
          if k == .foundationDictionary, !frames[i].containsBytes("CFBasicHash") { role = .header }
        }
        outerKind = k
        if types == nil { types = f.mapTypes }
        if role == nil { role = f.mapRole }
        continue
      }
      // Below the map code, only allocator and runtime frames may stand between the
      // allocation and the map, else the allocation belongs to something else; above
      // it, the first program frame owns the map.
      if f.isLibrary { continue }
      guard var kind else { return nil }
      // The API the program called names the map: Foundation's dictionaries on Linux keep
      // their entries in a Swift Dictionary of NSObject keys.
      if outerKind == .foundationDictionary, kind != .foundationDictionary {
        kind = .foundationDictionary
        types = nil
      }
      return StorageHit(kind: kind, ownerIndex: i, types: types, role: role)
    }
    return nil
  }

  /// ``storageFrame(_:facts:)`` with the facts of each frame looked up by `facts`.
  static func storageFrame(_ frames: [String], facts: (String) -> FrameFacts = FrameClassifier.facts(of:))
    -> StorageHit?
  {
    storageFrame(frames, facts: frames.map(facts))
  }

  /// The root-first frames from the entry point to the owner for the owner's largest stack.
  static func fullPath(to owner: MapOwner, in table: StackTable) -> [String] {
    var best: [String] = []
    var bestBytes: Int64 = -1
    for stack in table.stacks {
      guard let hit = stack.storage, stack.frames[hit.ownerIndex] == owner.owner else { continue }
      let weight = max(stack.inuseBytes, stack.allocBytes ?? 0)
      if weight > bestBytes {
        bestBytes = weight
        best = Array(stack.frames[hit.ownerIndex...].reversed())
      }
    }
    return best
  }

  /// Bucket capacity and live entries of an owner's live tables, when both can be counted.
  ///
  /// Node-based maps (``MapKind/bytesPerBucket``): capacity is the live tables' bytes over
  /// 8 (one head per bucket; load factor 1 before a resize), entries the live nodes.
  /// Swift: each live table's bucket count from its size (``TableGeometry``) at the stride
  /// its key and value types give, or, for types of unknown size, from the resizes of its
  /// life; entries are inline, so they are counted only where each entry has an object of
  /// its own on the insert path (a class value): the most live objects at one entry stack,
  /// when that stack made at least as many objects as the tables' buckets could hold at
  /// 3/8 (a table is at least 3/8 full before it grows).
  static func occupancy(of owner: MapOwner) -> (capacity: Int64, entries: Int64?)? {
    guard owner.tableInuseObjects > 0 else { return nil }
    if let perBucket = owner.kind.bytesPerBucket {
      guard owner.tableInuseBytes >= perBucket else { return nil }
      return (owner.tableInuseBytes / perBucket, owner.nodeInuseObjects)
    }
    let perTable = owner.tableInuseBytes / owner.tableInuseObjects
    let tablesPerLife = owner.tableAllocObjects.map { Double($0) / Double(owner.tableInuseObjects) }
    var buckets: Int64?
    switch owner.kind {
    case .swiftDictionary, .swiftSet:
      if let stride = TableGeometry.swiftBucketStride(kind: owner.kind, types: owner.types) {
        buckets = TableGeometry.swiftBuckets(tableBytes: perTable, stride: stride)
      } else if let tablesPerLife {
        buckets = TableGeometry.swiftBucketsFromResizes(tableBytes: perTable, resizes: tablesPerLife)
      }
    case .goMap:
      // Go's names carry no types: the bucket count comes from the tables of a life.
      if let tablesPerLife { buckets = TableGeometry.goSlots(tableBytes: perTable, tablesPerLife: tablesPerLife) }
    default: break
    }
    guard let buckets else { return nil }
    let capacity = buckets * owner.tableInuseObjects
    // Swift: the entries are the value class's instances made on the insert path (any
    // other site there may be unrelated); Go names no types, so the busiest site counts.
    let entries: Int64, made: Int64
    if owner.kind == .goMap {
      (entries, made) = (owner.entryMostInuseObjects, owner.entryMostAllocObjects)
    } else {
      guard let live = owner.valueObjectsInuse, let allocated = owner.valueObjectsAlloc else { return (capacity, nil) }
      (entries, made) = (live, allocated)
    }
    guard made * 8 >= capacity * 3 else { return (capacity, nil) }
    // An estimate that puts more entries in the tables than they hold before growing
    // (3/4 of Swift's buckets, 6.5 of Go's 8 slots) is wrong somewhere: say nothing.
    let maxLoad: Double = owner.kind == .goMap ? 6.5 / 8 : 0.75
    guard Double(entries) <= Double(capacity) * maxLoad else { return nil }
    return (capacity, entries)
  }

  /// `.Session.__allocating_init` for a Swift map whose value (or, for a Set, element)
  /// type is `Session`: the frame that makes one value object per entry when the value is a
  /// class. Nil for other kinds and for types without a plain name.
  static func swiftValueInitializer(_ owner: MapOwner) -> String? {
    guard owner.kind == .swiftDictionary || owner.kind == .swiftSet, let types = owner.types,
      let value = SymbolName.topLevelArguments(types).last,
      !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
    else { return nil }
    return ".\(value).__allocating_init"
  }

  static func hasRootPrefix(_ leafFirst: [String], _ rootFirstPrefix: [String]) -> Bool {
    let n = leafFirst.count
    for (j, frame) in rootFirstPrefix.enumerated() where leafFirst[n - 1 - j] != frame { return false }
    return true
  }

  static func findings(for owner: MapOwner, thresholds t: Thresholds, totalInuse: Int64, totalAlloc: Int64)
    -> [MapFinding]
  {
    var result: [MapFinding] = []
    // A finding must matter: its bytes are a real share of the profile (library start-up
    // code builds and drops many tiny tables that nobody should hear about).
    let inuseShare = Double(owner.inuseBytes) / Double(max(1, totalInuse))
    let allocShare = Double(owner.storageAllocBytes ?? 0) / Double(max(1, totalAlloc))
    let allocMatters = (owner.storageAllocBytes ?? 0) >= t.minFindingBytes && allocShare >= t.minFindingShare
    let name = "\(owner.typeDescription) in \(owner.owner)"
    // Never shrinks: the entries' allocation stacks never saw a free (temporaries made on
    // the same path may come and go), and they are most of what the entries hold.
    let leaked = owner.entryNeverFreedObjects
    if owner.entryAllocObjects != nil, leaked >= t.minLeakedEntries,
      owner.inuseBytes >= t.minFindingBytes, inuseShare >= t.minFindingShare,
      owner.entryNeverFreedBytes * 2 >= owner.entryInuseBytes, owner.storageInuseBytes >= t.minLeakStorageBytes
    {
      result.append(
        MapFinding(
          kind: .neverShrinks,
          message: "\(name): all \(leaked) entry objects ever made on its insert path are still live "
            + "(\(formatBytes(owner.entryNeverFreedBytes)) plus \(formatBytes(owner.storageInuseBytes)) of table) — "
            + "entries are inserted and never removed: \(owner.kind.removeAdvice)."))
    }
    // Emptied and kept: many live tables, the entries made for them freed, and the
    // tables (nearly) empty — maps cleared instead of removed.
    let storageShare = Double(owner.storageInuseBytes) / Double(max(1, totalInuse))
    if let made = owner.entryAllocObjects, made >= t.minLeakedEntries,
      owner.tableInuseObjects >= t.minLeakedEntries,
      Double(owner.entryInuseObjects) <= Double(made) * t.emptiedLiveFraction,
      Double(owner.entryMostInuseObjects) <= Double(owner.tableInuseObjects) * t.emptiedLiveFraction,
      owner.tableInuseBytes >= t.minFindingBytes, storageShare >= t.minFindingShare
    {
      let freed = Int((Double(made - owner.entryInuseObjects) * 100 / Double(made)).rounded(.down))
      let tables = owner.tableInuseObjects
      var message =
        "\(tables) \(owner.typeDescription) tables live in \(owner.owner) (\(formatBytes(owner.tableInuseBytes))), "
        + "\(freed)% of the \(made) entry objects made on their insert path freed — "
      if let outer = owner.keptBy, let outerKind = owner.keptByKind {
        message +=
          "emptied maps kept by \(outer): remove their keys from it (\(outerKind.removeOneAdvice)) "
          + "instead of emptying the inner maps."
      } else {
        message +=
          "maps emptied but kept: release each map once it is empty (drop it, or remove it from what holds it)."
      }
      result.append(MapFinding(kind: .emptiedTablesKept, message: message))
    }
    if let (capacity, counted) = owner.occupancy, let entries = counted, owner.tableInuseBytes >= t.minFindingBytes,
      !result.contains(where: { $0.kind == .emptiedTablesKept }),
      Double(owner.tableInuseBytes) / Double(max(1, totalInuse)) >= t.minFindingShare,
      Double(entries) < Double(capacity) * t.mostlyEmptyOccupancy
    {
      let empty = 100 - Int((Double(entries) * 100 / Double(capacity)).rounded(.up))
      result.append(
        MapFinding(
          kind: .mostlyEmpty,
          message:
            "\(name): capacity \(capacity) \(owner.kind.capacityUnit) (\(formatBytes(owner.tableInuseBytes)) of table), "
            + "\(entries) live entr\(entries == 1 ? "y" : "ies") — \(empty)% of the table is empty: "
            + "\(owner.kind.shrinkAdvice)."))
    }
    // Resizing: how many tables one map's life allocated, estimated from the average
    // table (``TableGeometry/tablesPerLife``), and so how many lives there were. Many lives
    // that each grew through many resizes are a rehash storm (reserve); many short lives
    // are churn (reuse); one life that doubled as it filled is neither.
    let isTree = owner.kind == .cxxMap || owner.kind == .cxxSet
    let tables = owner.tableAllocObjects ?? owner.storageAllocObjects
    let tableBytes = owner.tableAllocBytes ?? owner.storageAllocBytes
    let storm = stormEstimate(owner, tables: tables, bytes: tableBytes)
    let isStorm =
      !isTree && (storm.finalEntries ?? 0) >= t.minStormEntries && storm.lives >= t.minStormLives
      && !result.contains(where: { $0.kind == .neverShrinks || $0.kind == .emptiedTablesKept })
    let liveTables = owner.tableAllocObjects != nil ? owner.tableInuseObjects : owner.storageInuseObjects
    if let tables, tables >= t.minChurnTables, allocMatters, !isStorm,
      Double(liveTables) <= Double(tables) * t.churnLiveFraction
    {
      result.append(
        MapFinding(
          kind: .churn,
          message: "\(name): \(tables) tables allocated, \(liveTables) live — "
            + "a new \(owner.typeDescription) per iteration: \(owner.kind.churnAdvice)."))
    } else if isStorm, allocMatters, let tables {
      let live = owner.tableInuseObjects
      var message =
        "\(name): \(tables) table allocations, \(live) live — about \(Int(storm.lives.rounded())) maps each resized "
        + "about \(storm.tablesPerLife) times as it filled"
      if let entries = storm.finalEntries { message += " (to about \(entries) entries)" }
      message += ": \(owner.kind.reserveAdvice)"
      if let entries = storm.finalEntries { message += " with the count you expect (about \(entries) here)" }
      result.append(MapFinding(kind: .rehashStorm, message: message + "."))
    }
    return result
  }

  /// Tables per map life and the number of lives, estimated from the tables allocated over
  /// the run; for maps whose bucket size is known, the entries the last table held at most.
  static func stormEstimate(_ owner: MapOwner, tables: Int64?, bytes: Int64?) -> (
    tablesPerLife: Int, lives: Double, finalEntries: Int64?
  ) {
    guard let tables, let bytes, tables > 0 else { return (1, 0, nil) }
    let tableBytes = TableGeometry.lifeTableBytes(kind: owner.kind, types: owner.types)
    let perLife = TableGeometry.tablesPerLife(averageTableBytes: Double(bytes) / Double(tables), tableBytes: tableBytes)
    let lives = Double(tables) / Double(perLife)
    return (perLife, lives, TableGeometry.lifeCapacity(kind: owner.kind, table: perLife))
  }
}

/// Formats bytes the way the reports print them (pprof's units).
func formatBytes(_ value: Int64) -> String {
  Measurement.label(value, unit: "bytes")
}
