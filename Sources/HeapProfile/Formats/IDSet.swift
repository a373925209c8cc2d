/// A set of non-zero ids: a bitmap when the ids are dense (the usual 1...n), else a hash set.
struct IDSet {
  private var bits: [Bool]
  private var sparse: Set<UInt64>?

  /// A set sized for `ids` (which are not inserted).
  init<S: Sequence>(ids: S) where S.Element == UInt64 {
    var maxID: UInt64 = 0
    var count = 0
    for id in ids {
      maxID = max(maxID, id)
      count += 1
    }
    if maxID <= UInt64(4 * count + 1024) {
      bits = Array(repeating: false, count: Int(maxID) + 1)
      sparse = nil
    } else {
      bits = []
      sparse = Set(minimumCapacity: count)
    }
  }

  /// Inserts `id`; false if it was present.
  mutating func insert(_ id: UInt64) -> Bool {
    if sparse != nil { return sparse?.insert(id).inserted ?? false }
    let i = Int(id)
    if bits[i] { return false }
    bits[i] = true
    return true
  }

  /// Whether `id` is present.
  func contains(_ id: UInt64) -> Bool {
    if let sparse { return sparse.contains(id) }
    return id < UInt64(bits.count) && bits[Int(id)]
  }
}
