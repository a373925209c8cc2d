/// A map from ids to values: an array when the ids are dense (the usual 1...n), else a
/// dictionary. Transforms use it to look ids up in hot loops without hashing.
struct IDTable<Value> {
  private var dense: [Value?]
  private var sparse: [UInt64: Value]

  /// A table sized for ids up to `maxID` among `count` ids.
  init(maxID: UInt64, count: Int) {
    if maxID <= UInt64(4 * count + 1024) {
      dense = Array(repeating: nil, count: Int(maxID) + 1)
    } else {
      dense = []
    }
    sparse = [:]
  }

  subscript(id: UInt64) -> Value? {
    get { id < UInt64(dense.count) ? dense[Int(id)] : sparse[id] }
    set {
      if id < UInt64(dense.count) { dense[Int(id)] = newValue } else { sparse[id] = newValue }
    }
  }
}

extension Profile {
  /// Position in `locations` of each location id.
  func locationPositions() -> IDTable<Int> {
    var t = IDTable<Int>(maxID: locations.map(\.id).max() ?? 0, count: locations.count)
    for (i, l) in locations.enumerated() { t[l.id] = i }
    return t
  }

  /// Position in `functions` of each function id.
  func functionPositions() -> IDTable<Int> {
    var t = IDTable<Int>(maxID: functions.map(\.id).max() ?? 0, count: functions.count)
    for (i, f) in functions.enumerated() { t[f.id] = i }
    return t
  }

  /// Position in `mappings` of each mapping id.
  func mappingPositions() -> IDTable<Int> {
    var t = IDTable<Int>(maxID: mappings.map(\.id).max() ?? 0, count: mappings.count)
    for (i, m) in mappings.enumerated() { t[m.id] = i }
    return t
  }
}
