/// An open-addressing hash table from a (caller, callee) node pair to an edge index, for
/// graph builds over millions of frames (a Swift `Dictionary` hashes with SipHash, which
/// dominates the build at that scale).
struct EdgeTable {
  private var keys: [UInt64]
  private var values: [Int32]
  private var mask: Int
  private(set) var count = 0
  private static let empty = UInt64.max

  init(capacity: Int) {
    var size = 64
    while size < capacity * 2 { size <<= 1 }
    keys = [UInt64](repeating: EdgeTable.empty, count: size)
    values = [Int32](repeating: -1, count: size)
    mask = size - 1
  }

  @inline(__always) private func slot(_ key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
  }

  /// The edge index stored for `key`, or nil.
  @inline(__always) func find(_ key: UInt64) -> Int32? {
    var i = slot(key)
    while true {
      let k = keys[i]
      if k == key { return values[i] }
      if k == EdgeTable.empty { return nil }
      i = (i + 1) & mask
    }
  }

  /// Stores `value` for a `key` that is not in the table.
  mutating func insert(_ key: UInt64, _ value: Int32) {
    if (count + 1) * 2 > keys.count { grow() }
    var i = slot(key)
    while keys[i] != EdgeTable.empty { i = (i + 1) & mask }
    keys[i] = key
    values[i] = value
    count += 1
  }

  private mutating func grow() {
    let oldKeys = keys, oldValues = values
    keys = [UInt64](repeating: EdgeTable.empty, count: oldKeys.count * 2)
    values = [Int32](repeating: -1, count: oldKeys.count * 2)
    mask = keys.count - 1
    count = 0
    for (i, k) in oldKeys.enumerated() where k != EdgeTable.empty { insert(k, oldValues[i]) }
  }
}
