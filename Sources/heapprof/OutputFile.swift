import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes report files safely: never over one of the command's inputs, never through a
/// symlink planted at the path (the data goes to a new private temporary file in the same
/// directory, created with O_EXCL|O_NOFOLLOW and mode 0600, then renamed over the path),
/// so that a reader sees the old file or the whole new one.
enum OutputFile {
  /// Throws when `path` names one of `inputs` (also through a symlink or `..`).
  static func refuseInputs(_ path: String, inputs: [String]) throws {
    let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    for input in inputs where URL(fileURLWithPath: input).resolvingSymlinksInPath().path == target {
      throw CLIError("\(path): refusing to overwrite the input profile \(input); choose another -o")
    }
  }

  static func write(_ data: Data, to path: String, inputs: [String]) throws {
    let target = URL(fileURLWithPath: path).standardizedFileURL
    try refuseInputs(path, inputs: inputs)
    let dir = target.deletingLastPathComponent().path
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
      throw CLIError("\(path): directory \(dir) does not exist")
    }
    let temp = "\(dir)/.\(target.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw CLIError("\(path): cannot create a file in \(dir): \(String(cString: strerror(errno)))") }
    var ok = true
    data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          ok = false
          return
        }
        offset += n
      }
    }
    let writeErrno = errno
    if fsync(fd) != 0 { ok = false }
    close(fd)
    guard ok else {
      unlink(temp)
      throw CLIError("\(path): write failed: \(String(cString: strerror(writeErrno)))")
    }
    guard rename(temp, target.path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temp)
      throw CLIError("\(path): cannot rename into place: \(reason)")
    }
  }
}
