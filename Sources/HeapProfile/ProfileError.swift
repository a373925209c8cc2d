/// An error reading or writing a profile, phrased for people: the file, where, what is
/// wrong. The CLI prints ``description`` as one line and exits with status 2.
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file (or `<stdin>`, `<memory>`) the problem is in.
  public var file: String
  /// 1-based line number for text formats, byte offset for binary ones; nil if not known.
  public var position: String?
  /// What is wrong and, where possible, what to do about it.
  public var message: String

  /// Creates an error.
  public init(file: String, position: String? = nil, message: String) {
    self.file = file
    self.position = position
    self.message = message
  }

  /// `FILE:POSITION: MESSAGE` or `FILE: MESSAGE`.
  public var description: String {
    if let position { return "\(file):\(position): \(message)" }
    return "\(file): \(message)"
  }
}
