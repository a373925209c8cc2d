/// The type and unit of a value, e.g. `inuse_space` in `bytes`.
public struct ValueType: Sendable, Hashable {
  /// What is measured: `inuse_space`, `alloc_objects`, `space`, ...
  public var type: String
  /// The unit: `bytes`, `count`, ...
  public var unit: String

  /// Creates a value type.
  public init(type: String, unit: String) {
    self.type = type
    self.unit = unit
  }
}

extension ValueType {
  /// pprof's sample types of a legacy heap profile: `alloc_objects alloc_space
  /// inuse_objects inuse_space` when its alloc columns carry their own totals, else
  /// `objects space` (the in-use values, which then stand for both).
  static func legacyHeapTypes(hasAllocColumns: Bool) -> [ValueType] {
    hasAllocColumns
      ? [
        ValueType(type: "alloc_objects", unit: "count"), ValueType(type: "alloc_space", unit: "bytes"),
        ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes"),
      ]
      : [ValueType(type: "objects", unit: "count"), ValueType(type: "space", unit: "bytes")]
  }
}
