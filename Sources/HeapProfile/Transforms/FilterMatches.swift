/// Which of the filters given to ``Profile/filter(focus:ignore:hide:show:)`` matched
/// anything, so that a caller can warn about a pattern that matched nothing.
public struct FilterMatches: Sendable, Equatable {
  /// `focus` matched a location (true when no focus was given).
  public var focus: Bool
  /// `ignore` matched a location.
  public var ignore: Bool
  /// `hide` matched a location.
  public var hide: Bool
  /// `show` matched a location.
  public var show: Bool
}
