import HeapProfile

/// Extracts a map's key and value types from a frame name (``HeapProfile/SymbolName``).
enum MapTypes {
  /// Path components whose generic arguments are a Swift map's key and value types.
  static let swiftMapNames = ["Dictionary", "DictionaryStorage", "Set", "SetStorage"]
  /// C++ containers (in `std`) whose first two template arguments are key and value.
  static let cxxMapNames = ["unordered_map", "unordered_set", "map", "set"]

  /// `String, HeavyObject` from names such as
  /// `Swift._NativeDictionary<Swift.String, CacheLeakDemo.HeavyObject>.insertNew(…)` or
  /// `generic specialization <Swift.String, CacheLeakDemo.HeavyObject> of …`, or
  /// `std::unordered_map<std::string, int, …>::operator[]`; nil when the name has none.
  static func extract(from frame: String) -> String? {
    let name = SymbolName(frame)
    var arguments: [String]?
    if name.specialization != nil, !name.specializationArguments.isEmpty {
      arguments = name.specializationArguments
    } else if let a = name.arguments(ofComponentNamedLike: swiftMapNames) {
      arguments = a
    } else if name.separator == "::",
      let c = name.components.first(where: { cxxMapNames.contains($0.name) && !$0.arguments.isEmpty })
    {
      arguments = c.arguments
    } else if let r = frame.range(of: "map[") {
      // Go's `map[K]V` in a type name.
      let scanner = BracketScanner(frame)
      let open = frame.utf8.distance(from: frame.startIndex, to: r.upperBound) - 1
      if let close = scanner.matchingClose(from: open) { arguments = [scanner.text((open + 1)..<close)] }
    }
    let parts = (arguments ?? []).prefix(2).map(SymbolName.shortTypeName)
    let joined = parts.joined(separator: ", ")
    return joined.isEmpty ? nil : joined
  }
}
