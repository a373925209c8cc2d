/// A report that cannot be made, with a message for people.
public struct ReportError: Error, CustomStringConvertible, Sendable {
  /// What went wrong and how to fix it.
  public var description: String

  /// Creates an error with `description`.
  public init(_ description: String) { self.description = description }
}
