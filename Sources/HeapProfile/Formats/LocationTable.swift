/// Locations of a legacy profile: one per distinct address, ids in order of first use.
struct LocationTable {
  private(set) var locations: [Location] = []
  private var ids: [UInt64: UInt64] = [:]

  /// The id of the location at `address`, created if new.
  mutating func id(for address: UInt64) -> UInt64 {
    if let id = ids[address] { return id }
    let id = UInt64(locations.count + 1)
    locations.append(Location(id: id, address: address))
    ids[address] = id
    return id
  }
}
