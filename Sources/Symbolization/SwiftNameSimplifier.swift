import Foundation
import HeapProfile

/// SwiftNameSimplifier shortens the Swift runtime's full demangled text into a display
/// name (rules and examples: ``Demangler``).
///
/// The grammar it expects, from the outside in:
/// ```
/// name      := prefix* core
/// prefix    := "merged " | "specialized " | "static " | "dispatch thunk of "
///            | "partial apply for " | "partial apply forwarder for "
///            | WORDS "specialization <" ARGS "> of "     (only "generic specialization" keeps ARGS)
///            | "outlined " WORDS " of " | "(extension in " MODULE "):"
/// core      := "protocol witness for " name " in conformance " TYPE [" : " PROTOCOL " in " MODULE]
///            | ["implicit "] "closure #" N [SIGNATURE] " in " name
///            | WORDS (" of " | " for ") name              (e.g. "default argument 0 of")
///            | PATH ["<" GENERIC-SIGNATURE ">"] ["(" PARAMS ")"] [EFFECTS] [" -> " TYPE] [" : " TYPE]
/// ```
enum SwiftNameSimplifier {
  /// The display name of `full`, a Swift runtime demangling.
  static func simplify(_ full: String) -> String {
    simplify(full, arguments: nil)
  }

  private static let droppedPrefixes = [
    "merged ", "specialized ", "static ", "dispatch thunk of ", "partial apply for ",
    "partial apply forwarder for ", "@objc ", "@nonobjc ",
  ]

  private static func simplify(_ text: String, arguments inherited: String?) -> String {
    var s = Substring(text)
    var arguments = inherited
    if let suffix = s.range(of: " with unmangled suffix ") { s = s[s.startIndex..<suffix.lowerBound] }
    // Strip prefixes until none applies.
    stripping: while true {
      for p in droppedPrefixes where s.hasPrefix(p) {
        s = s.dropFirst(p.count)
        continue stripping
      }
      if s.hasPrefix("(extension in "), let colon = s.firstIndex(of: ":"),
        s[s.index(before: colon)] == ")"
      {
        s = s[s.index(after: colon)...]
        continue
      }
      if s.hasPrefix("outlined "), let of = s.range(of: " of ") {
        s = s[of.upperBound...]
        continue
      }
      if let spec = s.range(of: "specialization <"), isWords(s[s.startIndex..<spec.lowerBound]) {
        let scanner = BracketScanner(String(s))
        let openOffset = s.utf8.distance(from: s.startIndex, to: spec.upperBound) - 1
        guard let close = scanner.matchingClose(from: openOffset),
          scanner.text((close + 1)..<min(scanner.bytes.count, close + 5)) == " of "
        else { break }
        let kind = s[s.startIndex..<spec.lowerBound]
        if kind == "generic " || kind == "generic not re-abstracted " || kind == "generic not-reabstracted " {
          if arguments == nil { arguments = scanner.text((openOffset + 1)..<close) }
        }
        s = Substring(scanner.text((close + 5)..<scanner.bytes.count))
        continue
      }
      break
    }
    let rest = String(s)
    let scanner = BracketScanner(rest)

    if rest.hasPrefix("protocol witness for ") {
      let body = String(rest.dropFirst("protocol witness for ".count))
      let b = BracketScanner(body)
      guard let conf = b.firstTopLevel(" in conformance ") else {
        return "protocol witness for " + simplify(body, arguments: arguments)
      }
      let head = b.text(0..<conf)
      var type = b.text((conf + " in conformance ".utf8.count)..<b.bytes.count)
      let t = BracketScanner(type)
      if let colon = t.firstTopLevel(" : ") { type = t.text(0..<colon) }
      // "< where A: P> Swift.LazySequence<A>": drop the conditional requirements.
      if type.hasPrefix("<"), let close = BracketScanner(type).matchingClose(from: 0) {
        type = String(BracketScanner(type).text((close + 1)..<type.utf8.count).drop { $0 == " " })
      }
      return "protocol witness for " + simplify(head, arguments: arguments) + " in conformance "
        + simplifyPath(type, arguments: nil)
    }
    if rest.hasPrefix("closure #") || rest.hasPrefix("implicit closure #") || rest.hasPrefix("$defer #") {
      guard let inAt = scanner.firstTopLevel(" in ") else { return rest }
      // "closure #N" is followed by its signature (if any) up to " in ".
      let head = scanner.text(0..<inAt)
      let hash = head.range(of: "#")!.upperBound
      let number = head[hash...].prefix { $0.isNumber }
      let label = String(head[head.startIndex..<hash]) + number
      let outer = scanner.text((inAt + 4)..<scanner.bytes.count)
      return label + " in " + simplify(outer, arguments: arguments)
    }
    if rest.hasPrefix("reabstraction thunk") { return "reabstraction thunk" }
    // A descriptive prefix: words with a space before the qualified path starts.
    if let space = scanner.firstTopLevel(" "), let first = rest.unicodeScalars.first,
      Scalars.lowercase(first), !rest[rest.startIndex..<rest.utf8.index(rest.startIndex, offsetBy: space)].contains(".")
    {
      for joiner in [" of ", " for "] {
        if let at = scanner.firstTopLevel(joiner) {
          return scanner.text(0..<(at + joiner.utf8.count))
            + simplify(scanner.text((at + joiner.utf8.count)..<scanner.bytes.count), arguments: arguments)
        }
      }
      return rest
    }
    return simplifyPath(rest, arguments: arguments)
  }

  /// Whether `s` is empty or lowercase words each followed by a space ("generic ").
  private static func isWords(_ s: Substring) -> Bool {
    s.allSatisfy { $0 == " " || $0 == "-" || ($0.isLetter && $0.isLowercase) }
  }

  /// Shortens `PATH<SIG>(PARAMS) EFFECTS -> TYPE` (or `PATH.getter : TYPE`).
  private static func simplifyPath(_ text: String, arguments: String?) -> String {
    var scanner = BracketScanner(text)
    var end = scanner.bytes.count
    if let arrow = scanner.firstTopLevel(" -> ") { end = min(end, arrow) }
    if let colon = scanner.firstTopLevel(" : ") { end = min(end, colon) }
    var s = scanner.text(0..<end)
    for effect in [" async", " throws", " rethrows", " reasync"] {
      let sc = BracketScanner(s)
      if let at = sc.firstTopLevel(effect), at > 0, sc.bytes[at - 1] == UInt8(ascii: ")") {
        s = sc.text(0..<at)
      }
    }
    scanner = BracketScanner(s)
    let b = scanner.bytes
    // Walk the path: components separated by "." at depth 0.
    var components: [String] = []
    var current = ""
    var params: String?
    var trailing = ""
    var i = 0
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "."), current.isEmpty == false || components.isEmpty == false {
        components.append(current)
        current = ""
        i += 1
        if i < b.count, isOperatorByte(b[i]) {
          // An operator component such as `== infix` runs up to its fixity word.
          var j = i
          while j < b.count, b[j] != UInt8(ascii: "(") { j += 1 }
          current = scanner.text(i..<j)
          i = j
        }
        continue
      }
      if c == UInt8(ascii: "(") {
        guard let close = scanner.matchingClose(from: i) else {
          current += scanner.text(i..<b.count)
          break
        }
        let inner = scanner.text((i + 1)..<close)
        if current.isEmpty {
          // A context group at the start of a component: "(Name in _ABC)" or
          // "(extension in M):".
          if inner.hasPrefix("extension in ") {
            i = close + 1
            if i < b.count, b[i] == UInt8(ascii: ":") { i += 1 }
            continue
          }
          if let r = inner.range(of: " in _") {
            current = String(inner[inner.startIndex..<r.lowerBound])
          } else {
            current = "(" + inner + ")"
          }
          i = close + 1
          continue
        }
        params = labels(of: inner)
        trailing = scanner.text((close + 1)..<b.count)
        break
      }
      if c == UInt8(ascii: "<"), !current.isEmpty {
        // A generic signature or argument list of this component: dropped.
        guard let close = scanner.matchingClose(from: i) else { break }
        i = close + 1
        continue
      }
      current += String(decoding: [c], as: UTF8.self)
      i += 1
    }
    components.append(current)
    var path = components.map { SymbolName.Component(name: $0) }
    if let arguments {
      let typeIndex = components.indices.dropFirst().dropLast().first { isTypeName(components[$0]) }
      path[typeIndex ?? (components.count - 1)].arguments = [arguments]
    }
    return SymbolName.render(path, parameters: params, trailing: trailing)
  }

  /// `(_:value:)` for the parameter list `_: Swift.String, value: X`.
  private static func labels(of parameters: String) -> String {
    if parameters.isEmpty { return "()" }
    let scanner = BracketScanner(parameters)
    let parts = scanner.splitTopLevel(0..<scanner.bytes.count, separator: ", ")
    var out = "("
    for p in parts {
      let sc = BracketScanner(p)
      if let colon = sc.firstTopLevel(": "), isIdentifier(sc.text(0..<colon)) {
        out += sc.text(0..<colon) + ":"
      } else {
        out += "_:"
      }
    }
    return out + ")"
  }

  private static func isIdentifier(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first, f == "_" || f == "`" || Scalars.letter(f) else { return false }
    return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == "`" || Scalars.letter($0) || ("0"..."9").contains($0) }
  }

  /// Whether a path component names a type (starts with an uppercase letter after any
  /// leading underscores), as opposed to a method, property or accessor.
  private static func isTypeName(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first(where: { $0 != "_" }) else { return false }
    return Scalars.uppercase(f)
  }

  private static func isOperatorByte(_ c: UInt8) -> Bool {
    "/=-+!*%<>&|^~?".utf8.contains(c)
  }
}

/// Character classes of Unicode scalars.
private enum Scalars {
  static func lowercase(_ u: Unicode.Scalar) -> Bool { u.properties.isLowercase }
  static func uppercase(_ u: Unicode.Scalar) -> Bool { u.properties.isUppercase }
  static func letter(_ u: Unicode.Scalar) -> Bool { u.properties.isAlphabetic }
}
