import Foundation
/// Extracts a map's key and value types from a demangled frame name.
enum MapTypes {
  /// `String, HeavyObject` from names such as
  /// `Swift._NativeDictionary<Swift.String, CacheLeakDemo.HeavyObject>.insertNew(…)` or
  /// `generic specialization <Swift.String, CacheLeakDemo.HeavyObject> of …`, or
  /// `std::unordered_map<std::string, int, …>::operator[]`; nil when the name has none.
  static func extract(from frame: String) -> String? {
    let anchors = ["specialization <", "Dictionary<", "DictionaryStorage<", "Set<", "SetStorage<",
                   "unordered_map<", "unordered_set<", "std::map<", "std::set<", "map["]
    for anchor in anchors {
      guard let r = frame.range(of: anchor) else { continue }
      let open = frame.index(before: r.upperBound)
      guard let args = balanced(frame, from: open) else { continue }
      let parts = splitTopLevel(args).prefix(2).map(shortTypeName)
      let joined = parts.joined(separator: ", ")
      return joined.isEmpty ? nil : joined
    }
    return nil
  }

  /// The text between the bracket at `open` and its matching close bracket.
  static func balanced(_ s: String, from open: String.Index) -> String? {
    let opener = s[open], closer: Character = opener == "[" ? "]" : ">"
    var depth = 0
    var i = open
    while i < s.endIndex {
      let c = s[i]
      if c == opener || (opener == "<" && c == "<") { depth += 1 }
      if c == closer {
        depth -= 1
        if depth == 0 { return String(s[s.index(after: open)..<i]) }
      }
      i = s.index(after: i)
    }
    return nil
  }

  /// Splits `a, b<c, d>, e` at top-level commas.
  static func splitTopLevel(_ s: String) -> [String] {
    var parts: [String] = []
    var depth = 0
    var current = ""
    for c in s {
      if c == "<" || c == "[" || c == "(" { depth += 1 }
      if c == ">" || c == "]" || c == ")" { depth -= 1 }
      if c == "," && depth == 0 {
        parts.append(current.trimmingCharacters(in: .whitespaces))
        current = ""
      } else {
        current.append(c)
      }
    }
    if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current.trimmingCharacters(in: .whitespaces)) }
    return parts
  }

  /// Drops module qualifiers: `Swift.Array<Swift.UInt8>` → `Array<UInt8>`,
  /// `std::__cxx11::basic_string<char, …>` → `std::string`.
  static func shortTypeName(_ t: String) -> String {
    if t.hasPrefix("std::__cxx11::basic_string<char") || t.hasPrefix("std::basic_string<char") { return "std::string" }
    if t.hasPrefix("std::") { return t }
    var out = ""
    var word = ""
    for c in t {
      if c.isLetter || c.isNumber || c == "_" {
        word.append(c)
      } else if c == "." {
        word = ""  // a qualifier: drop it
      } else {
        out += word
        word = ""
        out.append(c)
      }
    }
    return out + word
  }
}
