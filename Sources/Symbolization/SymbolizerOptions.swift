/// SymbolizerOptions says where to find the object files named by a profile's mappings.
public struct SymbolizerOptions: Sendable, Equatable {
  /// `--binary`: a file that replaces the main binary (the profile's first mapping).
  public var binaryPath: String?
  /// `--search-path`: directories searched for a mapping's file, in order and before the
  /// path the profile recorded, by basename, by full path below the directory, and by
  /// build id (`DIR/<build-id>/<basename>`, `DIR/<build-id>`,
  /// `DIR/.build-id/xx/rest.debug`). A file whose build id differs from the recorded one
  /// is skipped.
  public var searchPaths: [String]
  /// Directories tried by basename only AFTER the recorded path, when that file is gone:
  /// the CLI passes the profile's own directory, so that a profile copied from another
  /// machine together with its binary still symbolizes.
  public var fallbackPaths: [String]

  /// Creates options; by default the files are read from the paths the profile names.
  public init(binaryPath: String? = nil, searchPaths: [String] = [], fallbackPaths: [String] = []) {
    self.binaryPath = binaryPath
    self.searchPaths = searchPaths
    self.fallbackPaths = fallbackPaths
  }
}
