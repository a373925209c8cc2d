#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension String {
  /// Whether `needle` occurs in the string, compared byte for byte in UTF-8 (no Unicode
  /// equivalence, no locale). Frame classification asks this tens of times per name, and
  /// Foundation's `contains` (which wins overload resolution wherever Foundation is
  /// imported) goes through CFString's locale-aware search: a quarter of a large profile's
  /// web view was spent there.
  public func containsBytes(_ needle: String) -> Bool {
    if needle.isEmpty { return true }
    var haystack = self
    var needle = needle
    return haystack.withUTF8 { h in
      needle.withUTF8 { n in
        guard h.count >= n.count, let hb = h.baseAddress, let nb = n.baseAddress else { return false }
        // (glibc's memmem is not visible to Swift's Glibc module: a first-byte scan.)
        let first = n[0]
        var i = 0
        while i <= h.count - n.count {
          if h[i] == first && memcmp(hb + i, nb, n.count) == 0 { return true }
          i += 1
        }
        return false
      }
    }
  }
}
