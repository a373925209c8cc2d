import Foundation
import HeapProfTestSupport
import XCTest

/// Crafted hostile files for the analyzer (issue 6 §3): the built `heapprof top FILE` must
/// answer each with exit status 2 and one stderr line naming the file and the problem,
/// within a few seconds and bounded memory (every run is under `timeout 30` and an 8 GiB
/// address-space limit, so a hang or a runaway allocation fails instead of stalling).
/// The inputs are written by tools/make-hostile-inputs.py (its header describes each).
final class HostileInputTests: XCTestCase {
  private static let inputs: Result<URL, Error> = Result {
    let dir = try RuntimeHarness.temporaryDirectory("hostile")
    let r = try runProgram(
      "/usr/bin/python3", [packageRoot().appendingPathComponent("tools/make-hostile-inputs.py").path, dir.path])
    guard r.status == 0 else {
      throw RuntimeHarnessError(description: "tools/make-hostile-inputs.py failed: \(r.stderr)")
    }
    return dir
  }

  override class func tearDown() {
    if case .success(let dir) = inputs { try? FileManager.default.removeItem(at: dir) }
    super.tearDown()
  }

  private func input(_ name: String) throws -> String {
    try Self.inputs.get().appendingPathComponent(name).path
  }

  /// Runs `heapprof top FILE` bounded in time and memory; returns the result and seconds.
  private func top(_ path: String) throws -> (ProgramResult, Double) {
    let heapprof = try Products.path("heapprof")
    let start = Date()
    let r = try runProgram(
      "/bin/bash", ["-c", "ulimit -v 8388608; exec timeout 30 \"$0\" top \"$1\"", heapprof, path],
      removing: ["HEAPPROF_OUT", "LD_PRELOAD"])
    return (r, Date().timeIntervalSince(start))
  }

  /// Asserts exit 2, nothing on stdout, exactly `"heapprof: " + message + "\n"` on stderr,
  /// and an answer within `seconds`.
  private func assertRejected(
    _ name: String, _ message: (String) -> String, within seconds: Double = 5,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let path = try input(name)
    let (r, took) = try top(path)
    XCTAssertEqual(r.status, 2, "\(name): \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdout, "", file: file, line: line)
    XCTAssertEqual(r.stderr, "heapprof: \(message(path))\n", file: file, line: line)
    XCTAssertLessThan(took, seconds, "\(name) took \(took) s", file: file, line: line)
  }

  // MARK: - gzip

  func testGzipBombStopsAtTheLimit() throws {
    // 17 members x 64 MiB of zeros; decompression stops at 1 GiB. (Debug build: ~5 s.)
    try assertRejected(
      "bomb.pb.gz", { "\($0): gzip data expands to more than 1 GiB; refusing to decompress further (a gzip bomb?)" },
      within: 20)
  }

  func testGzipInsideGzipIsNotInflatedTwice() throws {
    try assertRejected(
      "bomb-nested.pb.gz",
      { "\($0): the decompressed data is gzip-compressed again; decompress it once with gunzip first" })
  }

  func testTruncatedGzip() throws {
    try assertRejected(
      "truncated.pb.gz",
      {
        "\($0):byte 40: truncated gzip data: the compressed stream ends before its end marker (member started at byte 0); the file was cut short"
      })
  }

  // MARK: - protobuf

  func testAbsurdFieldLength() throws {
    try assertRejected(
      "absurd-length.pb",
      {
        "\($0):byte 0: not a valid pprof protobuf: sample_type (field 1) declares a length of 4611686018427387904 bytes but only 2 remain; the file is truncated or not a profile"
      })
  }

  func testAbsurdLengthInsideAMessage() throws {
    try assertRejected(
      "absurd-length-inner.pb",
      {
        "\($0):byte 16: not a valid pprof protobuf: sample_type (field 1) cannot be decoded (a nested message is truncated)"
      })
  }

  func testLengthOfTwoToTheSixtyFour() throws {
    try assertRejected(
      "negative-length.pb",
      {
        "\($0):byte 16: not a valid pprof protobuf: sample_type (field 1) declares a length of 18446744073709551615 bytes but only 2 remain; the file is truncated or not a profile"
      })
  }

  func testMissingLocationID() throws {
    try assertRejected(
      "missing-location.pb",
      { "\($0):byte 22: malformed profile: sample 1 refers to location id 7, which no location has" })
  }

  func testMissingFunctionID() throws {
    try assertRejected(
      "missing-function.pb",
      { "\($0):byte 22: malformed profile: location 1 has a line in function id 9, which no function has" })
  }

  func testDuplicateLocationID() throws {
    try assertRejected("duplicate-location.pb", { "\($0):byte 29: malformed profile: two locations have id 1" })
  }

  func testStringIndexOutOfTable() throws {
    try assertRejected(
      "missing-string.pb",
      { "\($0): malformed profile: a sample type refers to string 1000, but the string table has 3 entries" })
  }

  // MARK: - text

  func testOverflowingSampleCount() throws {
    try assertRejected(
      "overflow-count.heap", { "\($0):2: the number 99999999999999999999 does not fit in a 64-bit integer" })
  }

  func testOverflowingAddress() throws {
    try assertRejected("overflow-address.heap", { "\($0):2: the address 0x10000555555554100 does not fit in 64 bits" })
  }

  func testOverflowingSamplingRate() throws {
    try assertRejected(
      "overflow-rate.heap", { "\($0):1: the sampling rate 18446744073709551616 does not fit in a 64-bit integer" })
  }

  func testOverflowingJemallocCount() throws {
    try assertRejected(
      "overflow-jemalloc.heap", { "\($0):4: the number 99999999999999999999 does not fit in a 64-bit integer" })
  }

  /// The header's totals decide the sample types; one that does not fit is an error (it
  /// was accepted silently before 14c12ec).
  func testOverflowingHeaderTotal() throws {
    try assertRejected(
      "overflow-header.heap", { "\($0):1: the number 18446744073709551616 does not fit in a 64-bit integer" })
  }

  /// A million frames in one stack is valid data: it is read (not rejected) in bounded
  /// time, and the report has the sample's 100 bytes.
  func testAMillionFramesInOneStack() throws {
    let (r, took) = try top(try input("million-frames.heap"))
    XCTAssertEqual(r.status, 0, r.stderr)
    // Its addresses fall in /usr/bin/true, which Debian ships stripped: one warning, once.
    XCTAssertEqual(
      r.stderr,
      "heapprof: warning: no symbols in a stripped file, whose frames show as FILE+0xOFFSET: /usr/bin/true (4000 addresses); "
        + "install debug symbols (Debian: the -dbgsym package of the package that ships each file, from the debian-debug "
        + "archive; `dpkg -S FILE` names it) or pass --search-path DIR holding unstripped copies; heapprof does not ask "
        + "debuginfod servers\n")
    XCTAssertEqual(
      Array(r.stdout.split(separator: "\n").prefix(5)),
      [
        "File: true", "Type: space", "Showing nodes accounting for 100B, 100% of 100B total",
        "      flat  flat%   sum%        cum   cum%", "      100B   100%   100%       100B   100%  true+0xff",
      ])
    XCTAssertLessThan(took, 20, "a million frames took \(took) s")
  }

  /// An endless file (/dev/zero, a FIFO that never closes) stops at the 1 GiB read limit
  /// (before 14c12ec, `heapprof top /dev/zero` used 7 GB in 20 s, then aborted).
  func testEndlessInputIsRefused() throws {
    let (r, took) = try top("/dev/zero")
    XCTAssertEqual(r.status, 2, "exit \(r.status) (124 = killed by timeout 30)")
    XCTAssertEqual(
      r.stderr,
      "heapprof: /dev/zero: the file is larger than 1 GiB, the most heapprof reads; it is not a heap profile\n")
    XCTAssertLessThan(took, 10)
  }

  // MARK: - mappings that point at files which are not ELF

  /// A mapping's file that is not ELF (or is cut short) is a symbolization problem, not a
  /// bad profile: DESIGN.md §2 asks for module+offset frames and one warning, exit 0.
  func testMappingThatIsNotELF() throws {
    let path = try input("not-elf.heap"), lib = try input("not-elf.so")
    let (r, took) = try top(path)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      r.stderr,
      "heapprof: warning: cannot read \(lib): not a readable ELF file (not a valid ELF file); its frames are shown as not-elf.so+0xOFFSET\n"
    )
    XCTAssertTrue(r.stdout.contains("      300B   100%   100%       300B   100%  not-elf.so+0x1233\n"), r.stdout)
    XCTAssertLessThan(took, 5)
  }

  func testMappingThatIsTruncatedELF() throws {
    let path = try input("truncated-elf.heap"), lib = try input("truncated.so")
    let (r, took) = try top(path)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      r.stderr,
      "heapprof: warning: cannot read \(lib): not a readable ELF file (No ELF program headers); its frames are shown as truncated.so+0xOFFSET\n"
    )
    XCTAssertTrue(r.stdout.contains("      300B   100%   100%       300B   100%  truncated.so+0x1233\n"), r.stdout)
    XCTAssertLessThan(took, 5)
  }
}
