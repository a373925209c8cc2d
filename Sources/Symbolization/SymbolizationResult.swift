import HeapProfile

/// SymbolizationResult is a symbolized profile and what went wrong on the way.
public struct SymbolizationResult: Sendable {
  /// The profile with functions, location lines and mapping flags filled in.
  public var profile: Profile
  /// One sentence per problem (a missing or changed object file), for stderr. Empty when
  /// every mapping was symbolized.
  public var warnings: [String]

  /// Creates a result.
  public init(profile: Profile, warnings: [String]) {
    self.profile = profile
    self.warnings = warnings
  }
}
