/// Interns strings for the pprof string table; index 0 is always `""`.
struct StringTable {
  private(set) var strings: [String] = [""]
  private var indexes: [String: Int64] = ["": 0]

  /// The index of `s`, adding it if new.
  mutating func index(_ s: String) -> Int64 {
    if let i = indexes[s] { return i }
    let i = Int64(strings.count)
    strings.append(s)
    indexes[s] = i
    return i
  }

  /// A protobuf value type with interned strings.
  mutating func valueType(_ v: ValueType) -> Perftools_Profiles_ValueType {
    var pv = Perftools_Profiles_ValueType()
    pv.type = index(v.type)
    pv.unit = index(v.unit)
    return pv
  }
}
