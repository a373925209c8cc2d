import HeapProfile

/// The hash-map (and ordered-map) implementations heapprof recognises in stacks.
public enum MapKind: String, Sendable, CaseIterable, Codable {
  case swiftDictionary = "Swift Dictionary"
  case swiftSet = "Swift Set"
  case foundationDictionary = "Foundation dictionary"
  case cxxUnorderedMap = "std::unordered_map"
  case cxxUnorderedSet = "std::unordered_set"
  case cxxMap = "std::map"
  case cxxSet = "std::set"
  case goMap = "Go map"
  case redisDict = "redis dict"
  case cpythonDict = "CPython dict"
  case glibHashTable = "GHashTable"

  /// The advice for entries that are inserted and never removed, in the map's own API.
  var removeAdvice: String {
    switch self {
    case .swiftDictionary: return "remove them (`removeValue(forKey:)`), bound the cache, or evict"
    case .swiftSet: return "remove them (`remove(_:)`), bound the set, or evict"
    case .foundationDictionary: return "remove them (`removeObject(forKey:)`), or use NSCache with a limit"
    case .cxxUnorderedMap, .cxxUnorderedSet, .cxxMap, .cxxSet:
      return "erase them (`erase(key)`), bound the container, or evict"
    case .goMap: return "delete them (`delete(m, key)`), bound the map, or evict"
    case .redisDict: return "delete them (`dictDelete`; for keys: DEL, EXPIRE, or a maxmemory eviction policy)"
    case .cpythonDict: return "delete them (`del d[key]`, `d.pop(key)`), bound the dict, or evict (functools.lru_cache)"
    case .glibHashTable: return "remove them (`g_hash_table_remove`), bound the table, or evict"
    }
  }

  /// How to remove one key (the fix for an emptied inner map kept as a value).
  var removeOneAdvice: String {
    switch self {
    case .swiftDictionary: return "`m[key] = nil` or `removeValue(forKey:)`"
    case .swiftSet: return "`remove(_:)`"
    case .foundationDictionary: return "`removeObject(forKey:)`"
    case .cxxUnorderedMap, .cxxUnorderedSet, .cxxMap, .cxxSet: return "`erase(key)`"
    case .goMap: return "`delete(m, key)`"
    case .redisDict: return "`dictDelete`"
    case .cpythonDict: return "`del d[key]`"
    case .glibHashTable: return "`g_hash_table_remove`"
    }
  }

  /// The advice for a large table left mostly empty after removals.
  var shrinkAdvice: String {
    switch self {
    case .swiftDictionary, .swiftSet:
      return "shrink it by re-creating it (`m = Dictionary(m)`); Swift keeps a table's capacity on removal"
    case .foundationDictionary: return "shrink it by copying it into a new dictionary"
    case .cxxUnorderedMap, .cxxUnorderedSet:
      return "shrink it with `rehash(0)` or by swapping with a new map; erase and clear keep the bucket array"
    case .cxxMap, .cxxSet: return "a tree has no table to shrink"
    case .goMap: return "shrink it by copying into a new map; Go maps never shrink after delete"
    case .redisDict:
      return
        "redis shrinks a dict only from serverCron (`dictResize`) when resizing is allowed (no fork child running); "
        + "re-create it, or let the cron run"
    case .cpythonDict: return "shrink it by copying (`d = dict(d)`); CPython keeps a dict's size on deletion"
    case .glibHashTable: return "GLib shrinks on removal; a table this empty was resized while full — re-create it"
    }
  }

  /// The advice for a new map per iteration.
  var churnAdvice: String {
    switch self {
    case .swiftDictionary, .swiftSet: return "reuse one with `removeAll(keepingCapacity: true)`"
    case .foundationDictionary: return "reuse one with `removeAllObjects()`"
    case .cxxUnorderedMap, .cxxUnorderedSet: return "reuse one with `clear()` (keeps the bucket array)"
    case .cxxMap, .cxxSet:
      return
        "hoist it out of the loop and `clear()` it (a tree has no table to keep: each insert still allocates a node; "
        + "a sorted std::vector or a pool allocator avoids those)"
    case .goMap: return "reuse one with `clear` / delete in a loop, or hoist it out of the loop"
    case .redisDict: return "reuse one with `dictEmpty`"
    case .cpythonDict: return "reuse one with `d.clear()`, or hoist it out of the loop"
    case .glibHashTable: return "reuse one with `g_hash_table_remove_all`"
    }
  }

  /// The advice for many successive resizes.
  var reserveAdvice: String {
    switch self {
    case .swiftDictionary, .swiftSet: return "call `reserveCapacity(_:)` before the loop"
    case .foundationDictionary: return "create it with `init(capacity:)`"
    case .cxxUnorderedMap, .cxxUnorderedSet: return "call `reserve(n)` before the loop"
    case .cxxMap, .cxxSet: return "insert in sorted order with a hint, or use a flat container"
    case .goMap: return "give `make(map[K]V, n)` a size hint"
    case .redisDict: return "call `dictExpand(d, n)` before the loop"
    case .cpythonDict: return "build it in one step (a dict comprehension or `dict(pairs)`)"
    case .glibHashTable: return "insert in one batch; GHashTable has no reserve, so reuse the table"
    }
  }
}

/// What one storage allocation of a map is, where the frames say it.
public enum MapStorageRole: String, Sendable, Codable {
  /// A bucket table (an array of bucket heads, or slots with the entries inline).
  case table
  /// One entry's node (node-based maps: redis dict, `std::unordered_map`, `std::map`).
  case node
  /// The map's own header object (`dictCreate`'s `dict`, Go's `hmap`).
  case header
  /// An overflow bucket chained to a full bucket (Go's `newoverflow`): part of a table.
  case overflow
}

extension MapKind {
  /// Bytes per bucket of a table whose entries live in nodes outside it (a pointer per
  /// bucket), or nil where the table holds the entries inline (Swift, Go, CPython, GLib)
  /// and its capacity depends on the key and value sizes.
  ///
  /// ABI facts: libstdc++'s `_Hashtable` allocates `__node_base_ptr[bucket_count]` in
  /// `_M_allocate_buckets` (8 bytes each, max_load_factor 1.0 by default); redis's dict.c
  /// allocates `dictEntry *[1 << exp]` in `_dictExpand` (load factor 1 before it grows).
  public var bytesPerBucket: Int64? {
    switch self {
    case .cxxUnorderedMap, .cxxUnorderedSet, .redisDict: return 8
    default: return nil
    }
  }

  /// What a table's capacity counts: buckets (one entry each, or one chain head at load
  /// factor 1), or entry slots for Go (8 in each bucket).
  public var capacityUnit: String { self == .goMap ? "slots" : "buckets" }

  /// Whether the map is made of one node per entry, so that live entries can be counted.
  var hasNodes: Bool {
    switch self {
    case .cxxUnorderedMap, .cxxUnorderedSet, .cxxMap, .cxxSet, .redisDict: return true
    default: return false
    }
  }
}

/// The table of frame-name patterns that identify map implementation code. One row per
/// pattern; to teach heapprof another map, add rows here.
public enum MapPatterns {
  /// A substring of a demangled function name and the map kind it reveals.
  public struct Row: Sendable {
    public let needle: String
    public let kind: MapKind
    /// Whether `needle` must be the whole function name (before its parameter list) rather
    /// than a part of it: C functions have short, common names (`dictAdd`).
    public let exact: Bool

    public init(needle: String, kind: MapKind, exact: Bool = false) {
      self.needle = needle
      self.kind = kind
      self.exact = exact
    }
  }

  /// Rows for C libraries' functions, matched by whole name.
  static func exact(_ kind: MapKind, _ names: String...) -> [Row] {
    names.map { Row(needle: $0, kind: kind, exact: true) }
  }

  /// Checked in order; the first row whose needle occurs in a frame's name wins.
  public static let rows: [Row] =
    [
      // Swift standard library (names as demangled; specializations carry the types).
      Row(needle: "_DictionaryStorage", kind: .swiftDictionary),
      Row(needle: "__RawDictionaryStorage", kind: .swiftDictionary),
      Row(needle: "_NativeDictionary", kind: .swiftDictionary),
      Row(needle: "_DictionaryBuilder", kind: .swiftDictionary),
      Row(needle: "Swift.Dictionary", kind: .swiftDictionary),
      Row(needle: "_SetStorage", kind: .swiftSet),
      Row(needle: "__RawSetStorage", kind: .swiftSet),
      Row(needle: "_NativeSet", kind: .swiftSet),
      Row(needle: "Swift.Set", kind: .swiftSet),
      // Foundation / CoreFoundation.
      Row(needle: "NSMutableDictionary", kind: .foundationDictionary),
      Row(needle: "NSDictionary", kind: .foundationDictionary),
      Row(needle: "CFBasicHash", kind: .foundationDictionary),
      Row(needle: "CFDictionary", kind: .foundationDictionary),
      // C++ standard library (libstdc++ internals first: they name the real container).
      Row(needle: "unordered_set", kind: .cxxUnorderedSet),
      Row(needle: "unordered_map", kind: .cxxUnorderedMap),
      Row(needle: "std::__detail::_Map_base", kind: .cxxUnorderedMap),
      Row(needle: "std::__detail::_Insert", kind: .cxxUnorderedMap),
      Row(needle: "_Hashtable", kind: .cxxUnorderedMap),
      Row(needle: "std::map<", kind: .cxxMap),
      Row(needle: "std::map::", kind: .cxxMap),
      Row(needle: "std::set<", kind: .cxxSet),
      Row(needle: "std::set::", kind: .cxxSet),
      Row(needle: "_Rb_tree", kind: .cxxMap),
      // Go runtime.
      Row(needle: "runtime.makemap", kind: .goMap),
      Row(needle: "runtime.(*hmap).newoverflow", kind: .goMap),
      Row(needle: "runtime.(*hmap).createOverflow", kind: .goMap),
      Row(needle: "runtime.mapassign", kind: .goMap),
      Row(needle: "runtime.hashGrow", kind: .goMap),
      Row(needle: "runtime.growWork", kind: .goMap),
      Row(needle: "runtime.makeBucketArray", kind: .goMap),
      Row(needle: "runtime.evacuate", kind: .goMap),
    ]
    // redis's dict.c (also in KeyDB and Valkey): `_dictExpand` allocates the bucket
    // table, `dictAddRaw` the entry.
    + exact(
      .redisDict, "dictCreate", "dictAdd", "dictAddRaw", "dictAddOrFind", "dictReplace", "dictExpand",
      "dictTryExpand", "_dictExpand", "_dictExpandIfNeeded", "dictResize", "dictSetKey", "dictSetVal")
    // CPython's Objects/dictobject.c (symbols of an unstripped or -dbg build).
    + exact(
      .cpythonDict, "dictresize", "new_keys_object", "new_dict", "new_dict_with_shared_keys", "PyDict_New",
      "insertdict", "insert_to_emptydict", "PyDict_SetItem", "_PyDict_SetItem_Take2", "dict_merge",
      "PyDict_Copy", "_PyDict_NewPresized", "PyDict_SetDefault")
    // GLib's ghash.c.
    + [Row(needle: "g_hash_table_", kind: .glibHashTable)]

  private static let exactRows: [String: MapKind] = Dictionary(
    rows.filter(\.exact).map { ($0.needle, $0.kind) }, uniquingKeysWith: { a, _ in a })
  private static let substringRows = rows.filter { !$0.exact }

  /// What a map frame allocates when it is the leaf-most map frame of a storage stack,
  /// by substring (C++) or whole name (C). Checked in order.
  static let roleRows: [(needle: String, exact: Bool, role: MapStorageRole)] = [
    ("_M_allocate_buckets", false, .table), ("_M_rehash", false, .table),
    ("_M_allocate_node", false, .node), ("_M_create_node", false, .node), ("_M_get_node", false, .node),
    ("_dictExpand", true, .table), ("dictExpand", true, .table), ("dictTryExpand", true, .table),
    ("_dictExpandIfNeeded", true, .table), ("dictResize", true, .table),
    ("dictAddRaw", true, .node), ("dictAdd", true, .node), ("dictAddOrFind", true, .node),
    ("dictReplace", true, .node), ("dictCreate", true, .header),
    // Go 1.19's runtime/map.go: bucket arrays come from makeBucketArray (and the first,
    // single bucket from mapassign itself), overflow buckets from newoverflow, the hmap
    // header from makemap/makemap_small.
    ("runtime.makeBucketArray", false, .table), ("runtime.(*hmap).newoverflow", false, .overflow),
    ("runtime.(*hmap).createOverflow", false, .overflow), ("runtime.makemap", false, .header),
    ("runtime.hashGrow", false, .header),  // its own allocation is the mapextra; the array comes from makeBucketArray
    ("runtime.mapassign", false, .table),
  ]

  /// The storage role a map frame reveals, or nil when its name does not say.
  public static func role(of frame: String) -> MapStorageRole? {
    let simple = frame.contains(where: { $0 == "(" || $0 == "@" }) ? Profile.simplifiedFunctionName(frame) : frame
    for row in roleRows where row.exact ? simple == row.needle : frame.containsBytes(row.needle) { return row.role }
    return nil
  }

  /// The map kind whose implementation `frame` belongs to, or nil.
  public static func kind(of frame: String) -> MapKind? {
    for row in substringRows where frame.containsBytes(row.needle) { return row.kind }
    if let k = exactRows[frame] { return k }
    // Whole-name rows also match a name with a parameter list or a symbol version.
    if frame.contains(where: { $0 == "(" || $0 == "@" }), let k = exactRows[Profile.simplifiedFunctionName(frame)] {
      return k
    }
    return nil
  }
}
