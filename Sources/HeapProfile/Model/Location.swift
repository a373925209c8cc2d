/// A program location: an address and the source lines it stands for.
public struct Location: Sendable, Equatable {
  /// Unique non-zero id.
  public var id: UInt64
  /// The mapping holding ``address`` (0 if unknown).
  public var mappingID: UInt64
  /// The instruction address (already adjusted to point into the call instruction).
  public var address: UInt64
  /// Source lines, the innermost inlined callee first and the out-of-line function last.
  /// Empty when the location is not symbolized.
  public var lines: [Line]
  /// Whether identical code folding makes the attribution ambiguous.
  public var isFolded: Bool

  /// Creates a location.
  public init(id: UInt64, mappingID: UInt64 = 0, address: UInt64 = 0, lines: [Line] = [], isFolded: Bool = false) {
    self.id = id
    self.mappingID = mappingID
    self.address = address
    self.lines = lines
    self.isFolded = isFolded
  }
}

/// One source line of a location: a function and a line number.
public struct Line: Sendable, Equatable {
  /// The function's id.
  public var functionID: UInt64
  /// Line number, 0 if unknown.
  public var line: Int64
  /// Column, 0 if unknown.
  public var column: Int64

  /// Creates a line.
  public init(functionID: UInt64, line: Int64 = 0, column: Int64 = 0) {
    self.functionID = functionID
    self.line = line
    self.column = column
  }
}
