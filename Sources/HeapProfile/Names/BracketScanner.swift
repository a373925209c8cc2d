/// BracketScanner finds text at bracket depth 0 in demangled names, where `(…)`, `<…>`,
/// `[…]` and `{…}` nest and the arrow `->` is not a closing angle bracket. The one lexer
/// of names: ``SymbolName`` and the symbolizer's simplifiers are built on it.
///
/// Works on UTF-8 bytes: every character it looks for is ASCII.
public struct BracketScanner {
  /// The text as UTF-8 bytes.
  public let bytes: [UInt8]

  /// Scans `text`.
  public init(_ text: String) { bytes = Array(text.utf8) }

  /// Scans `text`, or a slice of bytes.
  public init(bytes: ArraySlice<UInt8>) { self.bytes = Array(bytes) }

  /// The text of `range`.
  public func text(_ range: Range<Int>) -> String {
    String(decoding: bytes[range], as: UTF8.self)
  }

  /// Whether the byte at `i` opens a bracket (`<` of a Swift operator such as
  /// `..< infix` or `<= infix` never counts).
  public func isOpen(_ i: Int) -> Bool {
    switch bytes[i] {
    case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"): return true
    case UInt8(ascii: "<"): return !isSwiftOperator(at: i)
    default: return false
    }
  }

  /// Whether the byte at `i` closes a bracket (an `->` arrow's `>` and the `>` of a Swift
  /// operator such as `>= infix` never count).
  public func isClose(_ i: Int) -> Bool {
    switch bytes[i] {
    case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"): return true
    case UInt8(ascii: ">"): return !(i > 0 && bytes[i - 1] == UInt8(ascii: "-")) && !isSwiftOperator(at: i)
    default: return false
    }
  }

  /// Whether the byte at `i` belongs to a Swift operator name: a run of operator
  /// characters followed by ` infix`, ` prefix` or ` postfix`.
  private func isSwiftOperator(at i: Int) -> Bool {
    var j = i
    while j < bytes.count, Self.operatorBytes.contains(bytes[j]) { j += 1 }
    for word in Self.fixities where j + word.count <= bytes.count && bytes[j..<(j + word.count)].elementsEqual(word) {
      return true
    }
    return false
  }

  private static let operatorBytes = Set("/=-+!*%<>&|^~?.".utf8)
  private static let fixities = [Array(" infix".utf8), Array(" prefix".utf8), Array(" postfix".utf8)]

  /// The index of the bracket closing the one opened at `open`, or nil when unbalanced.
  public func matchingClose(from open: Int) -> Int? {
    var depth = 0
    var i = open
    while i < bytes.count {
      if isOpen(i) {
        depth += 1
      } else if isClose(i) {
        depth -= 1
        if depth == 0 { return i }
      }
      i += 1
    }
    return nil
  }

  /// The index of the bracket opening the one closed at `close`, or nil when unbalanced.
  public func matchingOpen(from close: Int) -> Int? {
    var depth = 0
    var i = close
    while i >= 0 {
      if isClose(i) {
        depth += 1
      } else if isOpen(i) {
        depth -= 1
        if depth == 0 { return i }
      }
      i -= 1
    }
    return nil
  }

  /// The first occurrence of `needle` at depth 0 at or after `start`.
  public func firstTopLevel(_ needle: String, from start: Int = 0) -> Int? {
    let n = Array(needle.utf8)
    var depth = 0
    var i = start
    while i < bytes.count {
      if depth == 0, i + n.count <= bytes.count, bytes[i] == n[0],
        bytes[i..<(i + n.count)].elementsEqual(n)
      {
        return i
      }
      if isOpen(i) {
        depth += 1
      } else if isClose(i) {
        depth = max(0, depth - 1)
      }
      i += 1
    }
    return nil
  }

  /// Splits `range` at depth-0 occurrences of `separator`.
  public func splitTopLevel(_ range: Range<Int>, separator: String) -> [String] {
    let sub = BracketScanner(bytes: bytes[range])
    var parts: [String] = []
    var start = 0
    while let at = sub.firstTopLevel(separator, from: start) {
      parts.append(sub.text(start..<at))
      start = at + separator.utf8.count
    }
    parts.append(sub.text(start..<sub.bytes.count))
    return parts
  }
}
