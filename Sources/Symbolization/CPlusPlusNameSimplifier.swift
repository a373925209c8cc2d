import Foundation
import HeapProfile

/// CPlusPlusNameSimplifier shortens `__cxa_demangle` output the way pprof's default
/// ("simplified") demangling does: no parameters, no template arguments, no return type,
/// no cv/ref qualifiers and no `[clone …]` suffix (rules and examples: ``Demangler``).
///
/// The grammar it expects:
/// ```
/// name := [RETURN-TYPE " "] PATH ["(" PARAMS ")" QUALIFIERS*] (" [clone " SUFFIX "]")*
/// PATH := component ("::" component)*      component may carry "<…>" template arguments,
///                                          be "(anonymous namespace)", "{lambda(…)#N}",
///                                          or "operator" SYMBOL
/// ```
enum CPlusPlusNameSimplifier {
  /// The display name of `full`, a C++ demangling.
  static func simplify(_ full: String) -> String {
    var s = full
    if let clone = s.range(of: " [clone ") { s = String(s[s.startIndex..<clone.lowerBound]) }
    // Trailing qualifiers after the parameter list.
    var changed = true
    while changed {
      changed = false
      for q in [" const", " volatile", " &&", " &", " noexcept"] where s.hasSuffix(q) {
        s.removeLast(q.count)
        changed = true
      }
    }
    // The parameter list: the group closing at the very end.
    let scanner = BracketScanner(s)
    if scanner.bytes.last == UInt8(ascii: ")"), let open = scanner.matchingOpen(from: scanner.bytes.count - 1),
      open > 0, !scanner.text(0..<open).hasSuffix("operator")  // `operator()` itself, no parameters
    {
      s = scanner.text(0..<open)
    }
    s = removingTemplateArguments(s)
    return removingReturnType(s)
  }

  /// Removes every `<…>` group, keeping operator names such as `operator<<` intact.
  private static func removingTemplateArguments(_ s: String) -> String {
    let b = Array(s.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(b.count)
    var i = 0
    let op = Array("operator".utf8)
    while i < b.count {
      if b[i] == op[0], i + op.count <= b.count, b[i..<(i + op.count)].elementsEqual(op),
        i == 0 || !isIdentifierByte(b[i - 1])
      {
        // Copy `operator` and the symbol that follows it verbatim: the longest C++
        // operator token, so that `operator+<char, …>` keeps `+` and drops `<char, …>`,
        // while `operator<<` and `operator< <char>` keep their `<`.
        out.append(contentsOf: op)
        i += op.count
        if let token = Self.operatorTokens.first(where: { t in
          i + t.count <= b.count && b[i..<(i + t.count)].elementsEqual(t)
        }) {
          out.append(contentsOf: token)
          i += token.count
        }
        continue
      }
      if b[i] == UInt8(ascii: "<") {
        var depth = 0
        while i < b.count {
          if b[i] == UInt8(ascii: "<") {
            depth += 1
          } else if b[i] == UInt8(ascii: ">"), !(i > 0 && b[i - 1] == UInt8(ascii: "-")) {
            depth -= 1
            if depth == 0 { break }
          }
          i += 1
        }
        i += 1
        continue
      }
      out.append(b[i])
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Drops a leading return type (`void std::f` → `std::f`), keeping `operator new`,
  /// `(anonymous namespace)` and lambdas whole.
  private static func removingReturnType(_ s: String) -> String {
    // Template arguments are gone, so only (), [] and {} nest here; `<` may be part of an
    // operator name.
    var tokens: [String] = []
    var depth = 0
    var current = ""
    for ch in s {
      switch ch {
      case "(", "[", "{": depth += 1
      case ")", "]", "}": depth = max(0, depth - 1)
      default: break
      }
      if ch == " ", depth == 0 {
        if !current.isEmpty { tokens.append(current) }
        current = ""
      } else {
        current.append(ch)
      }
    }
    if !current.isEmpty { tokens.append(current) }
    guard tokens.count > 1 else { return tokens.first ?? s }
    if let j = tokens.firstIndex(where: {
      $0 == "operator" || $0.hasSuffix("::operator") || $0.hasPrefix("operator")
        || $0.contains("::operator")
    }) {
      return tokens[j...].joined(separator: " ")
    }
    return tokens.last ?? s
  }

  /// C++ operator symbols, longest first (so that the first match is the longest).
  private static let operatorTokens: [[UInt8]] = [
    "<=>", "<<=", ">>=", "->*", "()", "[]", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=",
    "*=", "/=", "%=", "&=", "|=", "^=", "->", "+", "-", "*", "/", "%", "^", "&", "|", "~", "!", "=", "<", ">", ",",
  ].map { Array($0.utf8) }

  private static func isIdentifierByte(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
      || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
  }
}
