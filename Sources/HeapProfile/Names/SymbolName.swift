/// A function name as the reports show it, parsed once into its parts: the wrappers Swift
/// puts around a function (`closure #1 in`, `protocol witness for`), a specialization
/// prefix, the qualified path (module, types, function; each part with its generic or
/// template arguments), the parameter list and what follows it.
///
/// It reads both the symbolizer's display names (`Swift._NativeDictionary<Swift.String,
/// X.Y>.insertNew(_:)`, `std::unordered_map::operator[]`, `main.(*cache).store`) and the
/// runtime's full demangled text (`generic specialization <Swift.String> of
/// Swift.Array.append(A) -> ()`). It is the one model of names that the symbolizer's
/// simplifier, the map report's type extraction, the DOT labels and the leak analysis's
/// frame classifier use.
///
/// Grammar, from the outside in (`BracketScanner` finds depth 0):
/// ```
/// name           := wrapper* [specialization] path [parameters] trailing
/// wrapper        := ("closure #" | "implicit closure #" | "$defer #") N [SIGNATURE] " in "
///                 | "default argument " N " of " | "protocol witness for " | "partial apply for "
///                 | "partial apply forwarder for " | "thunk for " | "specialized " | "@objc "
///                 | "reabstraction thunk helper from " | "dispatch thunk of "
///                 | "property wrapper backing initializer of "
///                 | "lazy protocol witness table accessor for "
/// specialization := WORDS "specialization <" ARGUMENTS "> of "
/// path           := component (("." | "::") component)*      Go: IMPORT/PATH/pkg "." component*
/// component      := ["(" CONTEXT ")"] NAME ["<" ARGUMENTS ">"] | "operator" SYMBOL
/// parameters     := "(" … ")"   (the first parenthesis that follows a component's name)
/// ```
public struct SymbolName: Sendable, Hashable {
  /// One part of a qualified path: a module, namespace, type or function.
  public struct Component: Sendable, Hashable {
    /// The name, with a leading context group kept (`(*cache)` in Go).
    public var name: String
    /// Generic or template arguments written on it (`Swift.String`, `X.Y`).
    public var arguments: [String]

    /// Makes a component.
    public init(name: String, arguments: [String] = []) {
      self.name = name
      self.arguments = arguments
    }
  }

  /// The text as given.
  public let text: String
  /// The wrappers around the function, outermost first, each with its trailing space
  /// (`closure #1 in `, `protocol witness for `).
  public let wrappers: [String]
  /// A specialization prefix (`generic specialization <…> of `), when there is one.
  public let specialization: String?
  /// The arguments of a specialization prefix (`Swift.String`, `X.Y`).
  public let specializationArguments: [String]
  /// The qualified path of the function.
  public let components: [Component]
  /// The separator of the path: `.` (Swift, Go) or `::` (C++).
  public let separator: String
  /// The parameter list with its parentheses (`(capacity:moveElements:)`,
  /// `(_: Swift.Int) `…), or nil.
  public let parameters: String?
  /// What follows the parameters or path (` -> ()`, ` in conformance X`), possibly "".
  public let trailing: String

  /// Parses `text`.
  public init(_ text: String) {
    self.text = text
    var rest = Substring(text)
    var wrappers: [String] = []
    stripping: while true {
      for w in Self.wrapperPrefixes where rest.hasPrefix(w) {
        let end: Substring.Index
        if w.hasSuffix("#") || w == "default argument " {
          // "closure #1 (A) -> B in X", "default argument 1 of X": through " in " / " of ".
          let marker = w == "default argument " ? " of " : " in "
          guard let r = rest.range(of: marker) else { break stripping }
          end = r.upperBound
        } else {
          end = rest.index(rest.startIndex, offsetBy: w.count)
        }
        wrappers.append(String(rest[..<end]))
        rest = rest[end...]
        continue stripping
      }
      break
    }
    self.wrappers = wrappers
    var specialization: String?
    var specializationArguments: [String] = []
    if let spec = rest.range(of: "specialization <"),
      rest[rest.startIndex..<spec.lowerBound].allSatisfy({ $0 == " " || $0 == "-" || ($0.isLetter && $0.isLowercase) })
    {
      let scanner = BracketScanner(String(rest))
      let open = rest.utf8.distance(from: rest.startIndex, to: spec.upperBound) - 1
      if let close = scanner.matchingClose(from: open),
        scanner.text((close + 1)..<min(scanner.bytes.count, close + 5)) == " of "
      {
        specialization = scanner.text(0..<(close + 5))
        specializationArguments = scanner.splitTopLevel((open + 1)..<close, separator: ", ")
        rest = Substring(scanner.text((close + 5)..<scanner.bytes.count))
      }
    }
    self.specialization = specialization
    self.specializationArguments = specializationArguments
    let path = Self.parsePath(String(rest))
    components = path.components
    separator = path.separator
    parameters = path.parameters
    trailing = path.trailing
  }

  /// The wrappers the leak analysis looks through: a closure in the program is the
  /// program's, a witness for a library protocol implemented by the program too.
  static let wrapperPrefixes = [
    "closure #", "implicit closure #", "protocol witness for ", "partial apply for ",
    "partial apply forwarder for ", "thunk for ", "reabstraction thunk helper from ",
    "property wrapper backing initializer of ", "default argument ", "specialized ",
    "@objc ", "lazy protocol witness table accessor for ", "dispatch thunk of ",
  ]

  /// The name without its wrappers and without an ELF symbol version
  /// (`malloc@@GLIBC_2.2.5` → `malloc`): the function the frame is about.
  public var subject: String {
    var s = text.dropFirst(wrappers.reduce(0) { $0 + $1.count })
    if let at = s.firstIndex(of: "@"), at != s.startIndex { s = s[..<at] }
    return String(s)
  }

  /// The module (Swift, Go) or outermost namespace (C++): the first component of a path
  /// of two or more.
  public var module: String? { components.count >= 2 ? components.first?.name : nil }

  /// The function's own name: the last component.
  public var function: String { components.last?.name ?? "" }

  /// The components between the module and the function: the types that own it.
  public var typePath: [Component] { components.count >= 3 ? Array(components.dropFirst().dropLast()) : [] }

  /// The arguments of the first component whose name is one of `names` (or ends with one,
  /// after a `_`-prefixed variant: `_NativeDictionary` for `Dictionary`).
  public func arguments(ofComponentNamedLike names: [String]) -> [String]? {
    for c in components where !c.arguments.isEmpty && names.contains(where: { c.name.hasSuffix($0) }) {
      return c.arguments
    }
    return nil
  }

  // MARK: - Rendering

  /// The text of a path: each component with its arguments (`Name<A, B>`), joined by
  /// `separator`, then the parameter list and the trailing text. What the symbolizer's
  /// simplifiers produce, and what ``init(_:)`` reads back into the same parts.
  public static func render(
    _ components: [Component], separator: String = ".", parameters: String? = nil, trailing: String = ""
  ) -> String {
    components.map { c in c.arguments.isEmpty ? c.name : c.name + "<" + c.arguments.joined(separator: ", ") + ">" }
      .joined(separator: separator) + (parameters ?? "") + trailing
  }

  /// `type` without module and namespace qualifiers, recursively inside its arguments:
  /// `Swift.Array<Swift.UInt8>` → `Array<UInt8>`, `std::__cxx11::basic_string<char, …>` →
  /// `std::string`, other `std::` types kept whole.
  public static func shortTypeName(_ type: String) -> String {
    if type.hasPrefix("std::__cxx11::basic_string<char") || type.hasPrefix("std::basic_string<char") {
      return "std::string"
    }
    if type.hasPrefix("std::") { return simplifiedCxxType(type) }
    var out = ""
    var word = ""
    for c in type {
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

  /// Template arguments that the standard containers take by default, left out of the
  /// types the reports print.
  static let defaultCxxArguments = [
    "std::allocator<", "std::hash<", "std::equal_to<", "std::less<", "std::char_traits<",
  ]

  /// A C++ type as people write it: `std::__cxx11::basic_string<char, …>` → `std::string`,
  /// default template arguments (allocators, hashes, comparators, traits) left out, `> >`
  /// closed as `>>`: `std::unordered_map<std::string, std::vector<char>>`.
  public static func simplifiedCxxType(_ type: String) -> String {
    var t = type.trimmingCharacters(in: .whitespaces)
    t = t.replacingOccurrences(of: "std::__cxx11::", with: "std::")
    if t.hasPrefix("std::basic_string<char") {
      let scanner = BracketScanner(t)
      if let close = scanner.matchingClose(from: "std::basic_string".utf8.count) {
        return "std::string" + scanner.text((close + 1)..<t.utf8.count)
      }
    }
    guard let open = t.firstIndex(of: "<") else { return t }
    let scanner = BracketScanner(t)
    let openOffset = t.utf8.distance(from: t.startIndex, to: open)
    guard let close = scanner.matchingClose(from: openOffset) else { return t }
    let base = scanner.text(0..<openOffset)
    let inner = scanner.text((openOffset + 1)..<close)
    let rest = scanner.text((close + 1)..<t.utf8.count)
    let simplified = topLevelArguments(inner).map { simplifiedCxxType($0) }.filter { a in
      !defaultCxxArguments.contains { a.hasPrefix($0) }
    }
    return base + "<" + simplified.joined(separator: ", ") + ">" + rest
  }

  /// `["UUID", "Dictionary<String, Data>"]` from `UUID, Dictionary<String, Data>`: a list
  /// of type arguments split at the commas outside brackets, each trimmed.
  public static func topLevelArguments(_ list: String) -> [String] {
    var parts: [String] = []
    var depth = 0
    var current = ""
    for c in list {
      switch c {
      case "<", "[", "(": depth += 1
      case ">", "]", ")": depth -= 1
      default: break
      }
      if c == ",", depth == 0 {
        parts.append(current.trimmingCharacters(in: .whitespaces))
        current = ""
      } else {
        current.append(c)
      }
    }
    let last = current.trimmingCharacters(in: .whitespaces)
    if !last.isEmpty { parts.append(last) }
    return parts
  }

  /// The type names inside `text` (a parameter list, a signature) without their module
  /// qualifiers: `(_: CacheLeakDemo.HeavyObject) -> Swift.Int` → `(_: HeavyObject) -> Int`,
  /// `ns::T` → `T`. Identifiers that are not followed by `.`/`::` and another identifier
  /// are kept as they are.
  public static func droppingQualifiers(_ text: String) -> String {
    let chars = Array(text)
    var out = ""
    var i = 0
    while i < chars.count {
      let c = chars[i]
      guard isIdentifierStart(c), out.last.map({ !isIdentifierChar($0) && $0 != "." }) ?? true else {
        out.append(c)
        i += 1
        continue
      }
      // A dotted (or ::) identifier path: keep its last identifier.
      var j = i
      var lastStart = i
      while j < chars.count {
        var k = j
        while k < chars.count && isIdentifierChar(chars[k]) { k += 1 }
        if k + 1 < chars.count && chars[k] == "." && isIdentifierStart(chars[k + 1]) {
          j = k + 1
          lastStart = j
        } else if k + 2 < chars.count && chars[k] == ":" && chars[k + 1] == ":" && isIdentifierStart(chars[k + 2]) {
          j = k + 2
          lastStart = j
        } else {
          break
        }
      }
      var k = lastStart
      while k < chars.count && isIdentifierChar(chars[k]) { k += 1 }
      out += String(chars[lastStart..<k])
      i = k
    }
    return out
  }

  static func isIdentifierStart(_ c: Character) -> Bool { c == "_" || c == "$" || c.isLetter }
  static func isIdentifierChar(_ c: Character) -> Bool { c == "_" || c == "$" || c.isLetter || c.isNumber }

  // MARK: - The path

  private static func parsePath(
    _ text: String
  ) -> (components: [Component], separator: String, parameters: String?, trailing: String) {
    let scanner = BracketScanner(text)
    let b = scanner.bytes
    // Go: an import path (`github.com/x/y.F`, `runtime/pprof.writeHeap`) is one component
    // up to the first "." after its last "/".
    var start = 0
    var goPackage: String?
    if let slash = b.lastIndex(of: UInt8(ascii: "/")), !b[..<slash].contains(UInt8(ascii: "(")),
      !b[..<slash].contains(UInt8(ascii: " ")), let dot = b[slash...].firstIndex(of: UInt8(ascii: "."))
    {
      goPackage = scanner.text(0..<dot)
      start = dot + 1
    }
    let cplusplus = goPackage == nil && scanner.firstTopLevel("::") != nil
    var components: [Component] = goPackage.map { [Component(name: $0)] } ?? []
    var current = ""
    var arguments: [String] = []
    var i = start
    func finish() {
      components.append(Component(name: current, arguments: arguments))
      current = ""
      arguments = []
    }
    while i < b.count {
      let c = b[i]
      if !cplusplus, c == UInt8(ascii: "."), !current.isEmpty {
        finish()
        i += 1
        continue
      }
      if cplusplus, c == UInt8(ascii: ":"), i + 1 < b.count, b[i + 1] == UInt8(ascii: ":"), !current.isEmpty {
        finish()
        i += 2
        continue
      }
      if current == "operator" || current.hasSuffix(" operator") {
        // `operator()`, `operator<<`, `operator new`: the symbol belongs to the name.
        var j = i
        while j < b.count, "()[]<>=!+-*/%&|^~,".utf8.contains(b[j]) || (j == i && b[j] == UInt8(ascii: " ")) {
          j += 1
          if j - i >= 2 && b[i] == UInt8(ascii: "(") { break }
        }
        if j > i {
          current += scanner.text(i..<j)
          i = j
          continue
        }
      }
      if c == UInt8(ascii: "("), let close = scanner.matchingClose(from: i) {
        if current.isEmpty {
          // A context group at the start of a component: Go's `(*T)`.
          current = scanner.text(i..<(close + 1))
          i = close + 1
          continue
        }
        finish()
        return (components, cplusplus ? "::" : ".", scanner.text(i..<(close + 1)), scanner.text((close + 1)..<b.count))
      }
      if c == UInt8(ascii: "<"), !current.isEmpty, scanner.isOpen(i), let close = scanner.matchingClose(from: i) {
        arguments = scanner.splitTopLevel((i + 1)..<close, separator: ",").map {
          String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
        i = close + 1
        continue
      }
      if c == UInt8(ascii: " "), !current.isEmpty, current.utf8.allSatisfy({ "/=-+!*%<>&|^~?.".utf8.contains($0) }) {
        // A Swift operator's fixity belongs to its name: `== infix`.
        if let word = [" infix", " prefix", " postfix"].first(where: { w in
          i + w.utf8.count <= b.count && b[i..<(i + w.utf8.count)].elementsEqual(w.utf8)
        }) {
          current += word
          i += word.utf8.count
          continue
        }
      }
      if c == UInt8(ascii: " ") && !current.isEmpty && current != "operator" {
        // The path ends where its words do (` -> ()`, ` in conformance X`, ` [clone .cold]`).
        finish()
        return (components, cplusplus ? "::" : ".", nil, scanner.text(i..<b.count))
      }
      current += String(decoding: [c], as: UTF8.self)
      i += 1
    }
    if !current.isEmpty || components.isEmpty { finish() }
    return (components, cplusplus ? "::" : ".", nil, "")
  }
}
