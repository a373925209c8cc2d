/// A mapped object file of the profiled process (a line of `/proc/PID/maps`).
public struct Mapping: Sendable, Equatable {
  /// Unique non-zero id.
  public var id: UInt64
  /// First address of the mapping.
  public var start: UInt64
  /// One past the last address.
  public var limit: UInt64
  /// File offset that `start` corresponds to.
  public var offset: UInt64
  /// Path of the object file, or a pseudo name such as `[vdso]`.
  public var file: String
  /// GNU build id (hex), if known.
  public var buildID: String
  /// Whether locations in this mapping carry function names.
  public var hasFunctions: Bool
  /// Whether they carry file names.
  public var hasFilenames: Bool
  /// Whether they carry line numbers.
  public var hasLineNumbers: Bool
  /// Whether they carry inlined frames.
  public var hasInlineFrames: Bool

  /// Creates a mapping.
  public init(
    id: UInt64, start: UInt64, limit: UInt64, offset: UInt64, file: String,
    buildID: String = "", hasFunctions: Bool = false, hasFilenames: Bool = false,
    hasLineNumbers: Bool = false, hasInlineFrames: Bool = false
  ) {
    self.id = id
    self.start = start
    self.limit = limit
    self.offset = offset
    self.file = file
    self.buildID = buildID
    self.hasFunctions = hasFunctions
    self.hasFilenames = hasFilenames
    self.hasLineNumbers = hasLineNumbers
    self.hasInlineFrames = hasInlineFrames
  }

  /// Whether `address` lies inside this mapping.
  public func contains(_ address: UInt64) -> Bool { address >= start && address < limit }
}
