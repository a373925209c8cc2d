/// Lookup tables from ids to positions in a ``Profile``'s arrays, built once per profile.
public struct ProfileIndex: Sendable {
  /// Position in `locations` of each location id.
  public let location: [UInt64: Int]
  /// Position in `functions` of each function id.
  public let function: [UInt64: Int]
  /// Position in `mappings` of each mapping id.
  public let mapping: [UInt64: Int]

  /// Indexes `profile`.
  public init(_ profile: Profile) {
    var l = [UInt64: Int](minimumCapacity: profile.locations.count)
    for (i, x) in profile.locations.enumerated() { l[x.id] = i }
    var f = [UInt64: Int](minimumCapacity: profile.functions.count)
    for (i, x) in profile.functions.enumerated() { f[x.id] = i }
    var m = [UInt64: Int](minimumCapacity: profile.mappings.count)
    for (i, x) in profile.mappings.enumerated() { m[x.id] = i }
    location = l
    function = f
    mapping = m
  }
}
