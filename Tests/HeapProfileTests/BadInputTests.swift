import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// Bad input gets one exact, plain error naming the file and the position; never a crash
/// or a hang.
final class BadInputTests: XCTestCase {
  func error(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
    profileError({ try ProfileReader.read(path: fixture(name)) }, file: file, line: line)?.description
  }

  func testEmptyFile() {
    XCTAssertEqual(
      error("bad/empty.heap"),
      "\(fixture("bad/empty.heap")): the file is empty; expected a pprof protobuf or a text heap profile")
  }

  func testTruncatedGzip() {
    XCTAssertEqual(
      error("bad/truncated.heap.gz"),
      "\(fixture("bad/truncated.heap.gz")):byte 300: truncated gzip data: the compressed stream ends before its end marker (member started at byte 0); the file was cut short"
    )
  }

  func testTextThatIsNoProfile() {
    XCTAssertEqual(
      error("bad/garbage.txt"),
      "\(fixture("bad/garbage.txt")):1: unrecognized profile format: the first line is \"This is not a profile, just a note.\"; expected a pprof protobuf, a heap profile starting \"heap profile:\" or a jemalloc profile starting \"heap_v2/\""
    )
  }

  func testBinaryGarbage() {
    XCTAssertEqual(
      error("bad/garbage.bin"),
      "\(fixture("bad/garbage.bin")):byte 3: not a valid pprof protobuf: field number 0 is out of range")
  }

  func testAbsurdProtobufLength() {
    XCTAssertEqual(
      error("bad/absurd-length.pb"),
      "\(fixture("bad/absurd-length.pb")):byte 0: not a valid pprof protobuf: sample (field 2) declares a length of 1099511627776 bytes but only 3 remain; the file is truncated or not a profile"
    )
  }

  func testNonUTF8Text() {
    XCTAssertEqual(
      error("bad/non-utf8.heap"),
      "\(fixture("bad/non-utf8.heap")):2: the line is not valid UTF-8 text (byte 0xff at column 52); a heap profile is plain text"
    )
  }

  func testOverflowingNumber() {
    XCTAssertEqual(
      error("bad/overflow.heap"),
      "\(fixture("bad/overflow.heap")):2: the number 99999999999999999999 does not fit in a 64-bit integer")
  }

  func testMissingFileAndDirectory() {
    XCTAssertEqual(
      profileError({ try ProfileReader.read(path: "/nonexistent/x.heap") })?.description,
      "/nonexistent/x.heap: cannot open the file: No such file or directory")
    XCTAssertEqual(
      profileError({ try ProfileReader.read(path: fixture("bad")) })?.description,
      "\(fixture("bad")): is a directory, not a profile file")
  }

  func testGzipBombStopsAtTheLimit() throws {
    let zeros = [UInt8](repeating: 0, count: 8 << 20)
    let bomb = try Gzip.compress(zeros, level: 9)
    XCTAssertLessThan(bomb.count, 16 << 10)
    XCTAssertThrowsError(try Gzip.decompress(bomb, limit: 1 << 20, source: "bomb.gz")) { e in
      XCTAssertEqual(
        "\(e)", "bomb.gz: gzip data expands to more than 1 MiB; refusing to decompress further (a gzip bomb?)")
    }
    XCTAssertEqual(try Gzip.decompress(bomb, limit: 8 << 20, source: "bomb.gz").count, 8 << 20)
  }

  func testTrailingDataAfterGzip() throws {
    let gz = try Gzip.compress(Array("hello".utf8)) + [0x41, 0x42]
    XCTAssertThrowsError(try Gzip.decompress(gz, source: "t.gz")) { e in
      XCTAssertEqual(
        "\(e)", "t.gz:byte \(gz.count - 2): unexpected data after the end of the gzip stream; the file is corrupt")
    }
    // Concatenated members are one stream, as in Go's reader.
    let two = try Gzip.compress(Array("ab".utf8)) + Gzip.compress(Array("cd".utf8))
    XCTAssertEqual(try Gzip.decompress(two, source: "two.gz"), Array("abcd".utf8))
  }

  func testSemanticProtobufErrors() throws {
    var p = Profile(sampleTypes: [ValueType(type: "space", unit: "bytes")])
    p.samples = [Sample(locationIDs: [7], values: [1])]
    let data = try p.pprofData(gzip: false)
    XCTAssertEqual(
      profileError({ try ProfileReader.parse(data, source: "s.pb") })?.description,
      "s.pb:byte 6: malformed profile: sample 1 refers to location id 7, which no location has")
    p.samples = [Sample(locationIDs: [], values: [1, 2])]
    XCTAssertEqual(
      profileError({ try ProfileReader.parse(try p.pprofData(gzip: false), source: "s.pb") })?.description,
      "s.pb:byte 6: malformed profile: sample 1 has 2 values but the profile has 1 sample types")
  }

  func testSampleLineErrors() {
    XCTAssertEqual(
      profileError({ try parseText("heap profile: 1: 1 [1: 1] @ heapprofile\nhello world\n") })?.description,
      "test.heap:2: not a heap sample line; expected \"INUSE_COUNT: INUSE_BYTES [ALLOC_COUNT: ALLOC_BYTES] @ 0xADDRESS ...\" (the line starts \"hello world\")"
    )
    XCTAssertEqual(
      profileError({ try parseText("heap profile: 1: 1 [1: 1] @ heapprofile\n0: 5 [0: 0] @ 0x1\n") })?.description,
      "test.heap:2: inuse count was 0 but inuse bytes was 5")
    XCTAssertEqual(
      profileError({ try parseText("heap profile: 1: 1 [1: 1] @ heapz\n") })?.description,
      "test.heap:1: unknown heap profile kind \"heapz\"; expected heapprofile, heap_v2/RATE, heapz_v2/RATE or heap/RATE"
    )
    XCTAssertEqual(
      profileError({ try parseText("heap profile: 1: 1 [1: 1] @ heapprofile\n1: 1 [1: 1] @ 0x10000000000000000\n") })?
        .description,
      "test.heap:2: the address 0x10000000000000000 does not fit in 64 bits")
  }

  /// A 50 MB random file fails: the top-level protobuf walk stops at the first bad field
  /// (how fast is tools/bench-analyzer's business, not a unit test's).
  func testRandomFileFailsFast() throws {
    var rng = SplitMix64(seed: 42)
    var bytes = [UInt8](repeating: 0, count: 50_000_000)
    bytes.withUnsafeMutableBytes { raw in
      let words = raw.bindMemory(to: UInt64.self)
      for i in words.indices { words[i] = rng.next() }
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-random-\(getpid()).bin")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    XCTAssertNotNil(profileError({ try ProfileReader.read(path: url.path) }))
  }
}

/// A small deterministic random number generator for test data.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
