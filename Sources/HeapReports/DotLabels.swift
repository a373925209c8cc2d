import Foundation
import HeapProfile

/// Node label text for DOT: pprof's name shortening and line splitting, plus a readable
/// layout for long Swift and C++ names that pprof leaves whole.
enum DotLabels {
  private static func re(_ p: String) -> NSRegularExpression {
    do {
      return try NSRegularExpression(pattern: p)
    } catch {
      // The patterns are constants: a failure is a programming error that tests catch.
      fatalError("bad built-in pattern \(p): \(error)")
    }
  }

  private static let w = "[0-9A-Za-z_]"
  static let javaRegExp = re(
    "^(?:[a-z]\(w)*\\.)*([A-Z][0-9A-Za-z_$]*\\.(?:<init>|[a-z][0-9A-Za-z_$]*(?:\\$[0-9]+)?))(?:(?:\\()|$)")
  static let goRegExp = re("^(?:[0-9A-Za-z_\\-.]+/)+(.+)")
  static let goVerRegExp = re("^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$")
  static let cppRegExp = re("^(?:[_a-zA-Z]\(w)*::)+(_*[A-Z]\(w)*::~?[_a-zA-Z]\(w)*(?:<.*>)?)")
  static let cppAnonymousPrefixRegExp = re("^\\(anonymous namespace\\)::")

  /// pprof's `ShortenFunctionName`: drops Go package paths, Java packages and arguments,
  /// and C++ namespaces in front of `Class::method`.
  static func shortenFunctionName(_ name: String) -> String {
    var f = name
    f = cppAnonymousPrefixRegExp.stringByReplacingMatches(
      in: f, range: NSRange(f.startIndex..., in: f), withTemplate: "")
    f = goVerRegExp.stringByReplacingMatches(in: f, range: NSRange(f.startIndex..., in: f), withTemplate: "$1$2")
    for rx in [goRegExp, javaRegExp, cppRegExp] {
      if let m = rx.firstMatch(in: f, range: NSRange(f.startIndex..., in: f)), m.numberOfRanges >= 2 {
        var parts = ""
        for i in 1..<m.numberOfRanges {
          if let r = Range(m.range(at: i), in: f) { parts += f[r] }
        }
        return parts
      }
    }
    return f
  }

  /// Escapes `\` and `"`, and turns newlines into Graphviz's left-justified `\l`.
  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\l")
  }

  /// The label lines of a node (each followed by `\n`), before its values.
  static func multilineName(_ info: NodeInfo, readable: Bool) -> String {
    var copy = info
    let short = shortenFunctionName(info.name)
    if readable && short == info.name && needsReadableLayout(info.name) {
      copy.name = readableLines(info.name).map(escape).joined(separator: "\\n")
    } else {
      var n = escape(short)
      n = n.replacingOccurrences(of: "::", with: "\\n")
      n = n.replacingOccurrences(of: "[...]", with: "[…]")
      n = n.replacingOccurrences(of: ".", with: "\\n")
      copy.name = n
    }
    if !copy.file.isEmpty { copy.file = baseName(copy.file) }
    return copy.nameComponents.joined(separator: "\\n") + "\\n"
  }

  /// Names pprof would draw as one unreadable line: Swift names with argument labels,
  /// closures and specializations, C++ names with argument lists and templates. Go names
  /// never contain these characters, so Go graphs stay exactly as pprof draws them.
  static func needsReadableLayout(_ name: String) -> Bool {
    name.contains(" ") || name.contains(":") || name.contains("<")
  }

  /// Maximum characters per label line of a readable layout.
  static let lineWidth = 36
  /// Maximum lines of a readable layout; the rest is elided with `…`.
  static let maxLines = 8

  /// Splits a long Swift or C++ name into short lines: module prefixes inside argument
  /// lists and generic arguments are dropped (`(Swift.Int) -> Swift.String` reads
  /// `(Int) -> String`), the qualified path is split at `.` and `::` outside brackets, and
  /// lines longer than ``lineWidth`` are wrapped after spaces and commas.
  static func readableLines(_ name: String) -> [String] {
    let chars = Array(name)
    var pieces: [String] = []
    var current = ""
    var depth = 0
    // After `->` at the top level comes a type: qualifiers are dropped there as inside
    // brackets, until ` in ` (a closure's context) starts a path again.
    var inType = false
    var i = 0
    func at(_ s: String, _ j: Int) -> Bool {
      let a = Array(s)
      return j + a.count <= chars.count && Array(chars[j..<(j + a.count)]) == a
    }
    while i < chars.count {
      let c = chars[i]
      if c == "(" || c == "<" || c == "[" { depth += 1 }
      if (c == ")" || c == ">" || c == "]") && depth > 0 && !(c == ">" && i > 0 && chars[i - 1] == "-") { depth -= 1 }
      if depth == 0 && at("->", i) { inType = true }
      if depth == 0 && inType && at(" in ", i) {
        inType = false
        current += " in "
        i += 4
        continue
      }
      if depth == 0 && !inType {
        if at("Swift.", i) && (i == 0 || !isIdentChar(chars[i - 1])) {
          // The standard library's module name says nothing; the tooltip keeps it.
          i += 6
          continue
        }
        if c == "." && !current.isEmpty && !current.hasSuffix(" ") {
          pieces.append(current)
          current = ""
          i += 1
          continue
        }
        if c == ":" && i + 1 < chars.count && chars[i + 1] == ":" {
          pieces.append(current)
          current = ""
          i += 2
          continue
        }
      } else if isIdentStart(c) && (current.last.map { !isIdentChar($0) && $0 != "." } ?? true) {
        // In a type: drop `Module.` / `ns::` qualifiers of a dotted identifier path.
        var k = i
        while k < chars.count
          && (isIdentChar(chars[k])
            || (chars[k] == "." && k + 1 < chars.count && isIdentStart(chars[k + 1]))
            || (chars[k] == ":" && k + 2 < chars.count && chars[k + 1] == ":" && isIdentStart(chars[k + 2]))
            || (chars[k] == ":" && k > 0 && chars[k - 1] == ":"))
        {
          k += 1
        }
        current += SymbolName.droppingQualifiers(String(chars[i..<k]))
        i = k
        continue
      }
      current.append(c)
      i += 1
    }
    if !current.isEmpty { pieces.append(current) }
    var lines: [String] = []
    for p in pieces { lines += wrap(p) }
    if lines.count > maxLines { lines = Array(lines.prefix(maxLines - 1)) + ["…"] }
    return lines
  }

  private static func isIdentStart(_ c: Character) -> Bool { c == "_" || c == "$" || c.isLetter }
  private static func isIdentChar(_ c: Character) -> Bool { c == "_" || c == "$" || c.isLetter || c.isNumber }

  /// Wraps `s` after spaces and commas so that lines stay within ``lineWidth`` where
  /// possible; a word longer than the width stays whole.
  static func wrap(_ s: String) -> [String] {
    guard s.count > lineWidth else { return [s] }
    var lines: [String] = []
    var line = ""
    var word = ""
    func flushWord() {
      if line.count + word.count > lineWidth && !line.isEmpty {
        lines.append(line.trimmingCharacters(in: .whitespaces))
        line = ""
      }
      line += word
      word = ""
    }
    for c in s {
      word.append(c)
      if c == " " || c == "," { flushWord() }
    }
    flushWord()
    if !line.isEmpty { lines.append(line.trimmingCharacters(in: .whitespaces)) }
    return lines
  }
}
