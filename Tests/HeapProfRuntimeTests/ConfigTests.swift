import HeapProfRuntime
import XCTest

/// HEAPPROF_* parsing without getenv.
final class ConfigTests: XCTestCase {
  private func parse(_ env: [String], errors: inout String) -> (hp_config, Int32) {
    var config = hp_config()
    var cStrings = env.map { strdup($0) }
    cStrings.append(nil)
    defer { cStrings.forEach { free($0) } }
    var fds: [Int32] = [0, 0]
    pipe(&fds)
    let bad = cStrings.withUnsafeMutableBufferPointer { hp_config_parse(&config, $0.baseAddress, fds[1]) }
    close(fds[1])
    var buffer = [UInt8](repeating: 0, count: 4096)
    let n = read(fds[0], &buffer, buffer.count)
    close(fds[0])
    errors = String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self)
    return (config, bad)
  }

  private func out(_ c: hp_config) -> String {
    withUnsafeBytes(of: c.out) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
  }

  func testDefaults() {
    var errors = ""
    let (c, bad) = parse(["PATH=/bin", "HEAPPROFILE=/x"], errors: &errors)
    XCTAssertEqual(bad, 0)
    XCTAssertEqual(errors, "")
    XCTAssertEqual(out(c), "")
    XCTAssertEqual([c.sample_rate, c.interval_s, c.inuse_interval], [0, 0, 0])
    XCTAssertEqual([c.signal_number, c.max_depth, c.at_exit], [SIGUSR2, 64, 1])
  }

  func testEveryVariable() {
    var errors = ""
    let (c, bad) = parse([
      "HEAPPROF_OUT=/tmp/p", "HEAPPROF_SAMPLE_RATE=524288", "HEAPPROF_INTERVAL=5",
      "HEAPPROF_INUSE_INTERVAL=1048576", "HEAPPROF_SIGNAL=PROF", "HEAPPROF_MAX_DEPTH=256",
      "HEAPPROF_AT_EXIT=0",
    ], errors: &errors)
    XCTAssertEqual(bad, 0)
    XCTAssertEqual(out(c), "/tmp/p")
    XCTAssertEqual([c.sample_rate, c.interval_s, c.inuse_interval], [524288, 5, 1048576])
    XCTAssertEqual([c.signal_number, c.max_depth, c.at_exit], [SIGPROF, 256, 0])
  }

  func testBadValuesSayOneLineEachAndKeepDefaults() {
    var errors = ""
    let (c, bad) = parse([
      "HEAPPROF_SAMPLE_RATE=lots", "HEAPPROF_MAX_DEPTH=0", "HEAPPROF_SIGNAL=KILL", "HEAPPROF_AT_EXIT=yes",
    ], errors: &errors)
    XCTAssertEqual(bad, 4)
    XCTAssertEqual(errors, """
      heapprof: HEAPPROF_SAMPLE_RATE='lots' is not a number of bytes; using 0 (every allocation)
      heapprof: HEAPPROF_MAX_DEPTH='0' is not a number of frames from 1 to 256; using 64
      heapprof: HEAPPROF_SIGNAL='KILL' is not a signal name (USR2, PROF...), number or 0; using USR2
      heapprof: HEAPPROF_AT_EXIT='yes' is not 0 or 1; using 1

      """)
    XCTAssertEqual([c.sample_rate], [0])
    XCTAssertEqual([c.signal_number, c.max_depth, c.at_exit], [SIGUSR2, 64, 1])
  }

  func testSignalNames() {
    XCTAssertEqual(hp_signal_from_name("USR1"), SIGUSR1)
    XCTAssertEqual(hp_signal_from_name("SIGUSR2"), SIGUSR2)
    XCTAssertEqual(hp_signal_from_name("12"), 12)
    XCTAssertEqual(hp_signal_from_name("0"), 0)
    XCTAssertEqual(hp_signal_from_name("NOPE"), -1)
    XCTAssertEqual(hp_signal_from_name("999"), -1)
  }
}
