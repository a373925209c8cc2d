// MARK: - Errors in text formats

extension ProfileError {
  /// An error at 1-based `line` of `file`.
  static func line(_ file: String, _ line: Int, _ message: String) -> ProfileError {
    ProfileError(file: file, position: "\(line)", message: message)
  }
}
