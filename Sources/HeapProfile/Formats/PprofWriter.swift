import Foundation

// MARK: - Writing pprof protobuf

extension Profile {
  /// The profile as pprof protobuf, the format of `go tool pprof -proto`.
  /// - Parameter gzip: Whether to gzip the bytes (pprof's files are gzipped).
  /// - Returns: The encoded profile.
  /// - Throws: ``ProfileError`` if encoding fails.
  public func pprofData(gzip: Bool) throws -> Data {
    let bytes = try PprofEncoder.encode(self)
    return Data(gzip ? try Gzip.compress(bytes) : bytes)
  }

  /// Writes the profile as gzipped pprof protobuf to `path`, atomically: the bytes go to a
  /// temporary file in the same directory, which is then renamed over `path`.
  /// - Parameter path: Where to write, e.g. `out.pb.gz`.
  /// - Throws: ``ProfileError`` naming `path` if the file cannot be written.
  public func writePprof(to path: String) throws {
    try FileIO.writeAtomically(try pprofData(gzip: true), to: path)
  }
}
