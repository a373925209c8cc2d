import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reading and atomically writing whole files with errors phrased for people.
public enum FileIO {
  /// The most a profile file may hold: far above any real profile, low enough that an
  /// endless input (/dev/zero, a FIFO that never closes) ends with an error, not with
  /// the machine's memory.
  static let maxFileSize = 1 << 30

  /// The contents of `path`.
  static func read(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure(path, "cannot open the file", errno) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw failure(path, "cannot inspect the file", errno) }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      throw ProfileError(file: path, message: "is a directory, not a profile file")
    }
    var bytes = [UInt8]()
    if Int(st.st_size) > maxFileSize { throw tooLarge(path) }
    bytes.reserveCapacity(max(Int(st.st_size), 0) + 1)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw failure(path, "cannot read the file", errno)
      }
      if n == 0 { break }
      if bytes.count + n > maxFileSize { throw tooLarge(path) }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
  }

  static func tooLarge(_ path: String) -> ProfileError {
    ProfileError(
      file: path, message: "the file is larger than 1 GiB, the most heapprof reads; it is not a heap profile")
  }

  /// Writes `data` to `path` so that a reader sees the old file or the whole new one, and
  /// nobody else can read or redirect it on the way: the bytes go to a new private file
  /// in the same directory (random name, `O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600, so a
  /// symlink planted at the temporary name is never followed), are synced, and the file
  /// is renamed over `path` (replacing a symlink there, never writing through it). The one
  /// writer of every file heapprof writes (CLI outputs and ``Profile/writePprof(to:)``).
  /// - Throws: ``ProfileError`` naming `path`: a missing directory, no permission, a
  ///   full disk.
  public static func writeAtomically(_ data: Data, to path: String) throws {
    let target = URL(fileURLWithPath: path).standardizedFileURL
    let dir = target.deletingLastPathComponent().path
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
      throw ProfileError(file: path, message: "the directory \(dir) does not exist")
    }
    let temp = "\(dir)/.\(target.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw failure(path, "cannot create a file in \(dir)", errno) }
    var code: Int32 = 0
    data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          code = errno
          return
        }
        offset += n
      }
    }
    if code == 0 && fsync(fd) != 0 { code = errno }
    close(fd)
    guard code == 0 else {
      unlink(temp)
      throw failure(path, "cannot write the file", code)
    }
    guard rename(temp, target.path) == 0 else {
      let e = errno
      unlink(temp)
      throw failure(path, "cannot rename the new file into place", e)
    }
  }

  static func failure(_ path: String, _ what: String, _ code: Int32) -> ProfileError {
    ProfileError(file: path, message: "\(what): \(String(cString: strerror(code)))")
  }
}
