import Foundation

/// The single entry point for reading a profile in any supported format.
///
/// Sniffing order (pprof's `profile.Parse`, with text formats recognized by their first
/// line before protobuf is tried):
/// 1. gzip magic `1f 8b` → decompress (at most ``Gzip/defaultLimit`` bytes), then 2-4;
/// 2. first line starting `heap profile:` → ``LegacyHeapParser`` (heapprof, gperftools,
///    tcmalloc sampled, Go legacy `heap/`);
/// 3. first line starting `heap_v2/` → ``JemallocHeapParser``;
/// 4. anything else → pprof protobuf (``PprofDecoder``).
public enum ProfileReader {
  /// Reads and parses the profile file at `path`.
  /// - Parameter path: A profile file in any supported format, gzipped or not.
  /// - Returns: The parsed profile.
  /// - Throws: ``ProfileError`` naming `path`, the position and the problem.
  public static func read(path: String) throws -> Profile {
    try parse(try FileIO.read(path), source: path)
  }

  /// Parses a profile held in memory.
  /// - Parameters:
  ///   - data: The bytes of a profile in any supported format.
  ///   - source: The name used in errors (a path, `<stdin>`, `<memory>`).
  /// - Returns: The parsed profile.
  /// - Throws: ``ProfileError``.
  public static func parse(_ data: Data, source: String) throws -> Profile {
    try parse([UInt8](data), source: source)
  }

  /// Parses a profile held in memory.
  /// - Parameters:
  ///   - bytes: The bytes of a profile in any supported format.
  ///   - source: The name used in errors (a path, `<stdin>`, `<memory>`).
  /// - Returns: The parsed profile.
  /// - Throws: ``ProfileError``.
  public static func parse(_ bytes: [UInt8], source: String) throws -> Profile {
    if bytes.isEmpty {
      throw ProfileError(file: source, message: "the file is empty; expected a pprof protobuf or a text heap profile")
    }
    if Gzip.isGzip(bytes) {
      let inner = try Gzip.decompress(bytes, source: source)
      if inner.isEmpty {
        throw ProfileError(file: source, message: "the gzip data decompresses to nothing; expected a profile inside")
      }
      if Gzip.isGzip(inner) {
        throw ProfileError(
          file: source, message: "the decompressed data is gzip-compressed again; decompress it once with gunzip first")
      }
      return try parseUncompressed(inner, source: source)
    }
    return try parseUncompressed(bytes, source: source)
  }

  static func parseUncompressed(_ bytes: [UInt8], source: String) throws -> Profile {
    if hasPrefix(bytes, "heap profile:") {
      return try LegacyHeapParser.parse(bytes, source: source)
    }
    if hasPrefix(bytes, "heap_v2/") {
      return try JemallocHeapParser.parse(bytes, source: source)
    }
    if let kind = knownOtherFile(bytes) {
      throw ProfileError(file: source, message: "this is \(kind)")
    }
    do {
      return try PprofDecoder.decode(bytes, source: source)
    } catch let error as ProfileError {
      // Text that is not a known profile fails as protobuf in confusing ways; say what it is.
      if let line = printableFirstLine(bytes) {
        throw ProfileError(
          file: source, position: "1",
          message:
            "unrecognized profile format: the first line is \"\(line)\"; expected a pprof protobuf, a heap profile starting \"heap profile:\" or a jemalloc profile starting \"heap_v2/\""
        )
      }
      throw error
    }
  }

  /// What a file is when its first bytes name a well-known format that is not a profile
  /// (what users pass by mistake: the program instead of its dump, the rendered graph).
  static func knownOtherFile(_ bytes: [UInt8]) -> String? {
    let magic: [(bytes: [UInt8], kind: String)] = [
      (
        [0x7f, 0x45, 0x4c, 0x46],
        "an ELF file (an executable or library), not a profile; to name the program a profile came from, use --binary PATH"
      ),
      ([0x89, 0x50, 0x4e, 0x47], "a PNG image, not a profile"),
      ([0xff, 0xd8, 0xff], "a JPEG image, not a profile"),
      (Array("%PDF".utf8), "a PDF document, not a profile"),
      (Array("<svg".utf8), "an SVG image, not a profile (heapprof svg draws those from a profile)"),
      (Array("<?xml".utf8), "an XML document (an SVG image?), not a profile"),
      (Array("digraph".utf8), "a Graphviz DOT graph, not a profile (heapprof dot writes those from a profile)"),
      ([0x50, 0x4b, 0x03, 0x04], "a zip archive, not a profile; unpack it first"),
      (Array("#!".utf8), "a script, not a profile; to profile it: heapprof record -- SCRIPT"),
    ]
    for m in magic where bytes.count >= m.bytes.count && bytes[0..<m.bytes.count].elementsEqual(m.bytes) {
      return m.kind
    }
    return nil
  }

  static func hasPrefix(_ bytes: [UInt8], _ prefix: String) -> Bool {
    let p = Array(prefix.utf8)
    return bytes.count >= p.count && bytes[0..<p.count].elementsEqual(p)
  }

  /// The first line, if the start of the data looks like printable ASCII text.
  static func printableFirstLine(_ bytes: [UInt8]) -> String? {
    let head = bytes.prefix(256)
    var line = [UInt8]()
    for b in head {
      if b == 0x0a { break }
      if b == 0x0d || b == 0x09 {
        line.append(0x20)
        continue
      }
      guard b >= 0x20 && b < 0x7f else { return nil }
      line.append(b)
    }
    guard line.count >= 4 else { return nil }
    var s = String(decoding: line.prefix(60), as: UTF8.self)
    if line.count > 60 { s += "…" }
    return s
  }
}
