import CZlib

/// Gzip compression and decompression over the system zlib.
///
/// Decompression has a hard limit on its output so that a gzip bomb ends in a clear
/// ``ProfileError`` instead of exhausting memory. Concatenated gzip members (as `cat a.gz
/// b.gz` makes) are decompressed one after the other, as Go's reader does.
public enum Gzip {
  /// The default limit on decompressed output: 1 GiB.
  public static let defaultLimit = 1 << 30

  /// Whether `bytes` starts with the gzip magic number `1f 8b`.
  public static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
  }

  /// Decompresses gzip data.
  /// - Parameters:
  ///   - bytes: The compressed data, starting with a gzip header.
  ///   - limit: The most bytes the output may hold.
  ///   - source: The file name used in errors.
  /// - Returns: The decompressed bytes.
  /// - Throws: ``ProfileError`` naming the byte offset in `bytes` where the stream is
  ///   corrupt or ends early, or saying that the output exceeds `limit`.
  public static func decompress(_ bytes: [UInt8], limit: Int = defaultLimit, source: String) throws -> [UInt8] {
    var out = [UInt8]()
    var stream = z_stream()
    // 15 window bits + 16: expect a gzip (not zlib) header.
    guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw ProfileError(file: source, message: "cannot initialize zlib for decompression")
    }
    defer { inflateEnd(&stream) }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var offset = 0  // start of the current gzip member in `bytes`
    try bytes.withUnsafeBufferPointer { input in
      guard let base = input.baseAddress else { return }
      stream.next_in = UnsafeMutablePointer(mutating: base)
      stream.avail_in = UInt32(input.count)
      while true {
        let status: Int32 = chunk.withUnsafeMutableBufferPointer { buf in
          stream.next_out = buf.baseAddress
          stream.avail_out = UInt32(buf.count)
          return inflate(&stream, Z_NO_FLUSH)
        }
        let produced = chunk.count - Int(stream.avail_out)
        if out.count + produced > limit {
          throw ProfileError(
            file: source,
            message:
              "gzip data expands to more than \(describeLimit(limit)); refusing to decompress further (a gzip bomb?)")
        }
        out.append(contentsOf: chunk[0..<produced])
        let consumed = input.count - Int(stream.avail_in)
        switch status {
        case Z_OK:
          continue
        case Z_STREAM_END:
          offset = consumed
          if stream.avail_in == 0 { return }
          // Another member may follow; anything else is trailing garbage.
          if input.count - consumed >= 2 && input[consumed] == 0x1f && input[consumed + 1] == 0x8b {
            inflateReset(&stream)
            continue
          }
          throw ProfileError(
            file: source, position: "byte \(consumed)",
            message: "unexpected data after the end of the gzip stream; the file is corrupt")
        case Z_BUF_ERROR where stream.avail_in == 0:
          throw ProfileError(
            file: source, position: "byte \(input.count)",
            message:
              "truncated gzip data: the compressed stream ends before its end marker (member started at byte \(offset)); the file was cut short"
          )
        default:
          let detail = stream.msg.map { String(cString: $0) } ?? "error \(status)"
          throw ProfileError(
            file: source, position: "byte \(consumed)", message: "corrupt gzip data: \(detail)")
        }
      }
    }
    return out
  }

  /// Compresses `bytes` into a single gzip member.
  /// - Parameter level: zlib compression level, 1 (fast) to 9 (small); 6 by default.
  /// - Returns: The gzip data.
  /// - Throws: ``ProfileError`` if zlib fails (it does not for valid input).
  public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
    var stream = z_stream()
    guard
      deflateInit2_(
        &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
        Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else {
      throw ProfileError(file: "<memory>", message: "cannot initialize zlib for compression")
    }
    defer { deflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
    let status: Int32 = bytes.withUnsafeBufferPointer { input in
      out.withUnsafeMutableBufferPointer { output in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        stream.next_out = output.baseAddress
        stream.avail_out = UInt32(output.count)
        return deflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else {
      throw ProfileError(file: "<memory>", message: "zlib compression failed with status \(status)")
    }
    out.removeLast(Int(stream.avail_out))
    return out
  }

  static func describeLimit(_ limit: Int) -> String {
    if limit >= 1 << 30 && limit % (1 << 30) == 0 { return "\(limit >> 30) GiB" }
    if limit >= 1 << 20 && limit % (1 << 20) == 0 { return "\(limit >> 20) MiB" }
    return "\(limit) bytes"
  }
}
