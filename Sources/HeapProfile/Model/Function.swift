/// A function: its human-readable (demangled) and system (mangled) names and source file.
public struct Function: Sendable, Equatable {
  /// Unique non-zero id.
  public var id: UInt64
  /// Human-readable name, e.g. `CacheLeakDemo.Cache.store(_:for:)`.
  public var name: String
  /// Name as the linker knows it, e.g. `$s13CacheLeakDemo...`.
  public var systemName: String
  /// Source file, if known.
  public var filename: String
  /// First line of the function, 0 if unknown.
  public var startLine: Int64

  /// Creates a function.
  public init(id: UInt64, name: String, systemName: String = "", filename: String = "", startLine: Int64 = 0) {
    self.id = id
    self.name = name
    self.systemName = systemName
    self.filename = filename
    self.startLine = startLine
  }
}
