import Glibc

// The Swift runtime's demangler (exported by libswiftCore). Its `flags` must be 0; it
// returns a malloc'd NUL-terminated string that the caller frees, or NULL when the input
// is not a Swift symbol.
@_silgen_name("swift_demangle")
private func _swiftDemangle(
  _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int,
  _ outputBuffer: UnsafeMutablePointer<CChar>?, _ outputBufferSize: UnsafeMutablePointer<Int>?,
  _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

// The Itanium C++ ABI demangler from libstdc++ (always loaded with libswiftCore on Linux;
// CLibDW's module map links libstdc++ explicitly so the reference resolves at link time).
// Returns a malloc'd string, or NULL with `status` != 0.
@_silgen_name("__cxa_demangle")
private func _cxaDemangle(
  _ mangledName: UnsafePointer<CChar>?, _ outputBuffer: UnsafeMutablePointer<CChar>?,
  _ length: UnsafeMutablePointer<Int>?, _ status: UnsafeMutablePointer<Int32>?
) -> UnsafeMutablePointer<CChar>?

/// Demangler turns linker symbols of Swift and C++ into text people read.
///
/// - ``demangle(_:)`` gives the full demangled text, exactly as the Swift runtime
///   (`swift_demangle`) or libstdc++ (`__cxa_demangle`) print it.
/// - ``displayName(_:)`` gives a short name for one row of a report: the qualified path
///   without parameter types, return types or compiler noise, but with the type
///   arguments of a Swift generic specialization kept visible.
///
/// Swift examples (mangled → display name):
///
/// | full demangled text | display name |
/// |---|---|
/// | `CacheLeakDemo.Cache.store(_: Swift.String, value: CacheLeakDemo.HeavyObject) -> ()` | `CacheLeakDemo.Cache.store(_:value:)` |
/// | `generic specialization <Swift.String, Swift.Int> of Swift._NativeDictionary._copyOrMoveAndResize(capacity: Swift.Int, moveElements: Swift.Bool) -> ()` | `Swift._NativeDictionary<Swift.String, Swift.Int>._copyOrMoveAndResize(capacity:moveElements:)` |
/// | `Swift._NativeDictionary.find(A) -> (bucket: Swift._HashTable.Bucket, found: Swift.Bool)` | `Swift._NativeDictionary.find(_:)` |
/// | `Swift._NativeDictionary.count.getter : Swift.Int` | `Swift._NativeDictionary.count.getter` |
/// | `closure #1 (Swift._UnsafeBitset) throws -> Swift._NativeDictionary<A, B> in Swift._NativeDictionary.filter(…) throws -> …` | `closure #1 in Swift._NativeDictionary.filter(_:)` |
/// | `merged function signature specialization <Arg[0] = Owned To Guaranteed> of X.f(Swift.Int) -> ()` | `X.f(_:)` |
///
/// Rules for Swift: the prefixes `merged`, `specialized`, `function signature
/// specialization <…> of`, `generic partial specialization <…> of`, `partial apply for`,
/// `dispatch thunk of`, `outlined … of`, `static` and `(extension in M):` are dropped;
/// `closure #N`, `protocol witness for … in conformance T`, accessors (`.getter`,
/// `.modify`, …) and initializers are kept. The type arguments of `generic
/// specialization <ARGS> of` are written after the first type below the module (the
/// generic type that owns the method, e.g. `Swift._NativeDictionary<K, V>`), or after the
/// function name when there is no such type. When both the type and the method are
/// generic, the list holds all arguments in Swift's order (the type's first).
///
/// C++ follows pprof's default simplified demangling: parameters, template arguments,
/// return types, cv-qualifiers and `[clone …]` suffixes are dropped, the namespace path
/// is kept: `void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(…)`
/// → `std::vector::_M_realloc_insert`. The full text stays available from
/// ``demangle(_:)`` (e.g. for the key and value types of a `std::unordered_map`).
public enum Demangler {
  /// Which mangling scheme a symbol uses.
  enum Scheme { case swift, cplusplus }

  /// The mangling scheme of `symbol`, or nil for a plain (C) name.
  static func scheme(of symbol: String) -> Scheme? {
    if symbol.hasPrefix("$s") || symbol.hasPrefix("$S") || symbol.hasPrefix("$e")
      || symbol.hasPrefix("_T0") || symbol.hasPrefix("_$s") || symbol.hasPrefix("_$S")
    {
      return .swift
    }
    if symbol.hasPrefix("_Z") { return .cplusplus }
    return nil
  }

  /// Demangles a Swift (`$s`, `$S`, `$e`, `_T0`) or C++ (`_Z`) symbol.
  ///
  /// - Parameter symbol: a linker symbol, e.g. `$sSD7isEmptySbvg`, optionally with an ELF
  ///   symbol version (`@@GLIBCXX_3.4`), which is ignored.
  /// - Returns: the full demangled text (e.g. `Swift.Dictionary.isEmpty.getter :
  ///   Swift.Bool`), or nil when `symbol` is not mangled or does not demangle.
  public static func demangle(_ symbol: String) -> String? {
    // An ELF symbol version (`_ZdlPv@@GLIBCXX_3.4`, as `nm -D` prints) is not part of
    // the mangling.
    if let at = symbol.firstIndex(of: "@"), at != symbol.startIndex {
      return demangle(String(symbol[..<at]))
    }
    switch scheme(of: symbol) {
    case .swift:
      return symbol.withCString { name -> String? in
        guard let out = _swiftDemangle(name, strlen(name), nil, nil, 0) else { return nil }
        defer { free(out) }
        let text = String(cString: out)
        return text == symbol ? nil : text
      }
    case .cplusplus:
      return symbol.withCString { name -> String? in
        var status: Int32 = 0
        guard let out = _cxaDemangle(name, nil, nil, &status), status == 0 else { return nil }
        defer { free(out) }
        return String(cString: out)
      }
    case nil:
      return nil
    }
  }

  /// A short readable name for `symbol`, fit for one row of a `top` report.
  ///
  /// See the type's documentation for the rules and examples. A name that is not mangled
  /// (a C function, or a name that is already demangled) is returned unchanged, except
  /// that an ELF symbol version (`@@GLIBC_2.34`) is removed.
  ///
  /// - Parameter symbol: a linker symbol or any function name.
  /// - Returns: the display name.
  public static func displayName(_ symbol: String) -> String {
    // An ELF symbol version (`__libc_start_main@@GLIBC_2.34`) is not part of the name.
    if let at = symbol.firstIndex(of: "@"), at != symbol.startIndex {
      return displayName(String(symbol[..<at]))
    }
    guard let scheme = scheme(of: symbol), let full = demangle(symbol) else { return symbol }
    switch scheme {
    case .swift: return SwiftNameSimplifier.simplify(full)
    case .cplusplus: return CPlusPlusNameSimplifier.simplify(full)
    }
  }
}
