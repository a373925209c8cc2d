import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reading and atomically writing whole files with errors phrased for people.
enum FileIO {
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
    ProfileError(file: path, message: "the file is larger than 1 GiB, the most heapprof reads; it is not a heap profile")
  }

  /// Writes `data` to a temporary file next to `path` and renames it over `path`.
  static func writeAtomically(_ data: Data, to path: String) throws {
    let temp = "\(path).tmp.\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure(path, "cannot create the temporary file \(temp)", errno) }
    var ok = true
    var code: Int32 = 0
    data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          ok = false
          code = errno
          return
        }
        offset += n
      }
    }
    if ok && fsync(fd) != 0 {
      ok = false
      code = errno
    }
    close(fd)
    guard ok else {
      unlink(temp)
      throw failure(path, "cannot write the file", code)
    }
    guard rename(temp, path) == 0 else {
      let e = errno
      unlink(temp)
      throw failure(path, "cannot rename \(temp) to the file", e)
    }
  }

  static func failure(_ path: String, _ what: String, _ code: Int32) -> ProfileError {
    ProfileError(file: path, message: "\(what): \(String(cString: strerror(code)))")
  }
}
