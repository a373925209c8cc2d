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
