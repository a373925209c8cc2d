import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// jemalloc's `heap_v2/` format on a hand-written file; every number derived by hand
/// (jeprof's formula 1/(1-exp(-(bytes/count)/R)), truncated toward zero as pprof does).
final class JemallocHeapParserTests: XCTestCase {
  static let text = """
    heap_v2/524288
      t*: 3: 2097252 [0: 0]
      t0: 2: 2097152 [0: 0]
      t1: 1: 100 [0: 0]
    @ 0x401005 0x402010
      t*: 2: 2097152 [0: 0]
      t0: 2: 2097152 [0: 0]
      t1: 0: 0 [0: 0]
    @ 0x401105 0x402010
      t*: 1: 100 [0: 0]
      t1: 1: 100 [0: 0] worker-1

    MAPPED_LIBRARIES:
    00400000-00500000 r-xp 00000000 08:01 7 /usr/bin/app
    """

  func testSampledThreadedProfile() throws {
    let p = try ProfileReader.parse(Array(Self.text.utf8), source: "je.heap")
    XCTAssertEqual(p.period, 524_288)
    XCTAssertEqual(p.sampleTypes.map(\.type), ["objects", "space"], "cumulative columns are 0 without prof_accum")
    // avg 1 MiB: x 1.1565176...; avg 100 B: x 5243.38...
    XCTAssertEqual(p.samples.map(\.values), [[2, 2_425_393], [5243, 524_338]])
    XCTAssertEqual(p.samples.map { $0.numLabels["bytes"] ?? [] }, [[1_048_576], [100]])
    XCTAssertEqual(p.samples.map { $0.labels["thread"] ?? [] }, [["0"], ["1"]])
    XCTAssertEqual(p.locations.map(\.address), [0x401004, 0x40200f, 0x401104])
    XCTAssertEqual(p.mappings, [Mapping(id: 1, start: 0x400000, limit: 0x500000, offset: 0, file: "/usr/bin/app")])
  }

  func testCumulativeColumnsGiveFourSampleTypes() throws {
    let text = "heap_v2/1\n t*: 1: 10 [4: 40]\n@ 0x11\n t*: 1: 10 [4: 40]\n"
    let p = try ProfileReader.parse(Array(text.utf8), source: "je.heap")
    XCTAssertEqual(p.sampleTypes.map(\.type), ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
    XCTAssertEqual(p.samples.map(\.values), [[4, 40, 1, 10]], "R=1 means every allocation: no scaling")
  }

  func testErrors() {
    func error(_ text: String) -> String? {
      profileError({ try ProfileReader.parse(Array(text.utf8), source: "je.heap") })?.description
    }
    XCTAssertEqual(
      error("heap_v2/abc\n"), "je.heap:1: unrecognized jemalloc header \"heap_v2/abc\"; expected \"heap_v2/RATE\"")
    XCTAssertEqual(error("heap_v2/2\n@ 0x1\n"), "je.heap:2: the stack has no t*: line with its totals")
    XCTAssertEqual(
      error("heap_v2/2\n@ 0x1\n t*: 1: 2 [3]\n"), "je.heap:3: expected 4 numbers \"N: BYTES [N: BYTES]\", found 3")
    XCTAssertEqual(
      error("heap_v2/2\n@ 0x1\n tx: 1: 2 [0: 0]\n"),
      "je.heap:3: bad thread id \"tx\"; expected t* or t followed by a number")
    XCTAssertEqual(
      error("heap_v2/2\nfoo\n"),
      "je.heap:2: not a jemalloc profile line; expected \"@ 0xADDRESS ...\" or \"t*: N: BYTES [N: BYTES]\" (the line starts \"foo\")"
    )
    XCTAssertEqual(
      error("heap_v2/2\n@ 0x1\n t*: 0: 5 [0: 0]\n"), "je.heap:3: current count was 0 but current bytes was 5")
  }
}
