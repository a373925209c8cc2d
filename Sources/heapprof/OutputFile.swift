import Foundation
import HeapProfile

/// Writes report files safely: never over one of the command's inputs, and through the
/// package's one atomic writer (a new private file renamed over the path, never through a
/// symlink), so that a reader sees the old file or the whole new one.
enum OutputFile {
  /// Throws when `path` names one of `inputs` (also through a symlink or `..`).
  static func refuseInputs(_ path: String, inputs: [String]) throws {
    let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    for input in inputs where URL(fileURLWithPath: input).resolvingSymlinksInPath().path == target {
      throw CLIError("\(path): refusing to overwrite the input profile \(input); choose another -o")
    }
  }

  /// Writes `data` to `path` with ``HeapProfile/FileIO/writeAtomically(_:to:)``, after
  /// refusing to replace one of the command's inputs.
  static func write(_ data: Data, to path: String, inputs: [String]) throws {
    try refuseInputs(path, inputs: inputs)
    do {
      try FileIO.writeAtomically(data, to: path)
    } catch let error as ProfileError {
      throw CLIError(error.description)
    }
  }
}
