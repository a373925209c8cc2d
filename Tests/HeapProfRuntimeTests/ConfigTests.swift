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
    XCTAssertEqual([c.sample_rate, c.interval_ns, c.inuse_interval], [0, 0, 0])
    XCTAssertEqual(c.fp_walk, 1)
    XCTAssertEqual([c.signal_number, c.max_depth, c.at_exit], [SIGUSR2, 64, 1])
  }

  func testEveryVariable() {
    var errors = ""
    let (c, bad) = parse(
      [
        "HEAPPROF_OUT=/tmp/p", "HEAPPROF_SAMPLE_RATE=524288", "HEAPPROF_INTERVAL=5",
        "HEAPPROF_INUSE_INTERVAL=1048576", "HEAPPROF_SIGNAL=PROF", "HEAPPROF_MAX_DEPTH=256",
        "HEAPPROF_AT_EXIT=0", "HEAPPROF_FP_WALK=0", "HEAPPROF_SESSION=rec12-ab.c_d",
      ], errors: &errors)
    XCTAssertEqual(bad, 0)
    XCTAssertEqual(out(c), "/tmp/p")
    XCTAssertEqual([c.sample_rate, c.interval_ns, c.inuse_interval], [524288, 5_000_000_000, 1048576])
    XCTAssertEqual([c.signal_number, c.max_depth, c.at_exit, c.fp_walk], [SIGPROF, 256, 0, 0])
    XCTAssertEqual(
      withUnsafeBytes(of: c.session) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }, "rec12-ab.c_d")
  }

  func testBadValuesSayOneLineEachAndKeepDefaults() {
    var errors = ""
    let (c, bad) = parse(
      [
        "HEAPPROF_SAMPLE_RATE=lots", "HEAPPROF_MAX_DEPTH=0", "HEAPPROF_SIGNAL=KILL", "HEAPPROF_AT_EXIT=yes",
      ], errors: &errors)
    XCTAssertEqual(bad, 4)
    XCTAssertEqual(
      errors,
      """
      heapprof: HEAPPROF_SAMPLE_RATE='lots' is not a size (4096, 512KiB, 1M...); using 0 (every allocation)
      heapprof: HEAPPROF_MAX_DEPTH='0' is not a number of frames from 1 to 256; using 64
      heapprof: HEAPPROF_SIGNAL='KILL' is not a signal heapprof may use (USR1, USR2, PROF, HUP, ... or 0); using USR2
      heapprof: HEAPPROF_AT_EXIT='yes' is not 0 or 1; using 1

      """)
    XCTAssertEqual([c.sample_rate], [0])
    XCTAssertEqual([c.signal_number, c.max_depth, c.at_exit], [SIGUSR2, 64, 1])
  }

  func testSizesAndSecondsTakeTheCLIsUnits() {
    var n: UInt64 = 0
    for (text, bytes) in [
      ("4096", 4096), ("512KiB", 524_288), ("512k", 524_288), ("64kB", 65_536), ("1.5M", 1_572_864),
      ("2GiB", 2_147_483_648), ("0", 0), ("7b", 7),
    ] as [(String, UInt64)] {
      XCTAssertEqual(hp_parse_size(text, &n), 0, text)
      XCTAssertEqual(n, bytes, text)
    }
    for bad in ["", "KiB", "5 MiB", "-1", "1.2.3", "12TB"] { XCTAssertEqual(hp_parse_size(bad, &n), -1, bad) }
    for (text, ns) in [
      ("5", 5_000_000_000), ("0.5", 500_000_000), (".25", 250_000_000), ("1.000000001", 1_000_000_001),
    ]
      as [(String, UInt64)]
    {
      XCTAssertEqual(hp_parse_seconds(text, &n), 0, text)
      XCTAssertEqual(n, ns, text)
    }
    for bad in ["", "1s", "-1", "1e3", "."] { XCTAssertEqual(hp_parse_seconds(bad, &n), -1, bad) }
    var errors = ""
    let (c, bad) = parse(
      ["HEAPPROF_INTERVAL=0.25", "HEAPPROF_SAMPLE_RATE=512KiB", "HEAPPROF_INUSE_INTERVAL=1MiB"], errors: &errors)
    XCTAssertEqual(bad, 0, errors)
    XCTAssertEqual([c.interval_ns, c.sample_rate, c.inuse_interval], [250_000_000, 524_288, 1_048_576])
  }

  func testDumpSignalRule() {
    let allowed: [Int32] =
      [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGURG, SIGWINCH, SIGPROF, SIGVTALRM]
      + Array(34...64)
    for n in Int32(1)...64 { XCTAssertEqual(hp_signal_allowed(n), allowed.contains(n) ? 1 : 0, "signal \(n)") }
    XCTAssertEqual(hp_signal_from_name("RTMIN+2"), 36)
    XCTAssertEqual(hp_signal_from_name("SIGRTMAX"), 64)
    XCTAssertEqual(hp_signal_from_name("KILL"), SIGKILL)
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
