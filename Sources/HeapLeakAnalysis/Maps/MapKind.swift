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

  /// The advice for entries that are inserted and never removed, in the map's own API.
  var removeAdvice: String {
    switch self {
    case .swiftDictionary: return "remove them (`removeValue(forKey:)`), bound the cache, or evict"
    case .swiftSet: return "remove them (`remove(_:)`), bound the set, or evict"
    case .foundationDictionary: return "remove them (`removeObject(forKey:)`), or use NSCache with a limit"
    case .cxxUnorderedMap, .cxxUnorderedSet, .cxxMap, .cxxSet:
      return "erase them (`erase(key)`), bound the container, or evict"
    case .goMap: return "delete them (`delete(m, key)`), bound the map, or evict"
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
  }

  /// Checked in order; the first row whose needle occurs in a frame's name wins.
  public static let rows: [Row] = [
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
    Row(needle: "runtime.mapassign", kind: .goMap),
    Row(needle: "runtime.hashGrow", kind: .goMap),
    Row(needle: "runtime.growWork", kind: .goMap),
    Row(needle: "runtime.makeBucketArray", kind: .goMap),
    Row(needle: "runtime.evacuate", kind: .goMap),
  ]

  /// The map kind whose implementation `frame` belongs to, or nil.
  public static func kind(of frame: String) -> MapKind? {
    for row in rows where frame.containsBytes(row.needle) { return row.kind }
    return nil
  }
}
