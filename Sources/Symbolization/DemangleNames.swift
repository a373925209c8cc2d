import HeapProfile

/// Demangles the function names already present in `profile` (from any input: a pprof
/// protobuf written by another tool, a Go or jemalloc profile, a previous heapprof run).
///
/// A function whose `name` is a mangled Swift (`$s…`, `$S…`, `$e…`, `_T0…`) or C++
/// (`_Z…`) symbol gets ``Demangler/displayName(_:)`` as its name; its `systemName` is
/// set to the mangled symbol when it was empty. A function whose `name` equals a mangled
/// `systemName`, or is empty while `systemName` is mangled, is treated the same way.
/// Other names are left as they are.
///
/// - Parameter profile: any profile.
/// - Returns: the profile with readable names.
public func demangleNames(_ profile: Profile) -> Profile {
  var p = profile
  var cache: [String: String] = [:]
  for i in p.functions.indices {
    let f = p.functions[i]
    let symbol: String
    if Demangler.scheme(of: f.name) != nil {
      symbol = f.name
    } else if f.name.isEmpty, Demangler.scheme(of: f.systemName) != nil {
      symbol = f.systemName
    } else {
      continue
    }
    let name: String
    if let cached = cache[symbol] {
      name = cached
    } else {
      name = Demangler.displayName(symbol)
      cache[symbol] = name
    }
    guard name != symbol else { continue }
    p.functions[i].name = name
    if p.functions[i].systemName.isEmpty { p.functions[i].systemName = symbol }
  }
  return p
}
