/// Splits a text profile into lines (`\n`, with a trailing `\r` removed, as Go's
/// `bufio.Scanner` does), counting 1-based line numbers and rejecting bytes that are not
/// UTF-8 with the line and column where they are.
struct TextLines {
  let bytes: [UInt8]
  let source: String
  private(set) var offset = 0
  /// The number of the line most recently returned (1-based; 0 before the first).
  private(set) var number = 0

  init(_ bytes: [UInt8], source: String) {
    self.bytes = bytes
    self.source = source
  }

  /// Whether the line most recently returned was the last one.
  var isAtEnd: Bool { offset >= bytes.count }

  /// The next line, or nil at the end.
  mutating func next() throws -> String? {
    guard offset < bytes.count else { return nil }
    let start = offset
    var end = start
    var ascii = true
    while end < bytes.count && bytes[end] != 0x0a {
      if bytes[end] >= 0x80 { ascii = false }
      end += 1
    }
    offset = end < bytes.count ? end + 1 : end
    number += 1
    var stop = end
    if stop > start && bytes[stop - 1] == 0x0d { stop -= 1 }
    let slice = bytes[start..<stop]
    if !ascii {
      guard let s = String(validating: slice, as: UTF8.self) else {
        let column = TextLines.firstInvalidUTF8(slice) - start + 1
        let bad = String(bytes[start + column - 1], radix: 16, uppercase: false)
        throw ProfileError(
          file: source, position: "\(number)",
          message: "the line is not valid UTF-8 text (byte 0x\(bad) at column \(column)); a heap profile is plain text")
      }
      return s
    }
    return String(decoding: slice, as: UTF8.self)
  }

  /// The index of the first byte of `bytes` that starts no valid UTF-8 sequence.
  static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int {
    var i = bytes.startIndex
    while i < bytes.endIndex {
      let b = bytes[i]
      let length: Int
      switch b {
      case 0x00..<0x80: length = 1
      case 0xc2..<0xe0: length = 2
      case 0xe0..<0xf0: length = 3
      case 0xf0..<0xf5: length = 4
      default: return i
      }
      guard i + length <= bytes.endIndex,
        String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil
      else { return i }
      i += length
    }
    return bytes.startIndex
  }
}
