import Foundation

/// A compiled regular expression for frame filters, with errors phrased for people.
/// Matching is a search anywhere in the string (Go's `MatchString`), unless the pattern
/// is anchored.
struct NameRegex {
  let pattern: String
  private let regex: NSRegularExpression

  /// Compiles `pattern`; `option` names where it came from (e.g. `--focus`) in errors.
  init(_ pattern: String, option: String) throws {
    self.pattern = pattern
    do {
      regex = try NSRegularExpression(pattern: pattern)
    } catch {
      throw ProfileError(
        file: option, message: "invalid regular expression \"\(pattern)\"; check its brackets, parentheses and escapes")
    }
  }

  /// Whether the pattern matches somewhere in `s`.
  func matches(_ s: String) -> Bool {
    if s.isEmpty { return regex.firstMatch(in: s, range: NSRange(location: 0, length: 0)) != nil }
    return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
  }
}
