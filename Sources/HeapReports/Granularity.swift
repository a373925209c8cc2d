/// What one node of a report stands for (pprof's `-granularity`).
public enum Granularity: String, Sendable, CaseIterable {
  /// One node per function (the default); inlined functions are nodes of their own.
  case functions
  /// One node per function and source file.
  case filefunctions
  /// One node per source file.
  case files
  /// One node per function and source line.
  case lines
  /// One node per instruction address (and inlined frame at it).
  case addresses
}
