import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// The legacy text reader on small hand-written inputs whose results were derived by
/// hand and checked against google/pprof's `profile.Parse` (same samples, values, labels,
/// location ids and addresses, mappings).
final class LegacyHeapParserTests: XCTestCase {
  /// Go's `debug=1` heap text: `heap/2R`, symbol lines with inlined frames, MemStats.
  static let goLegacy = """
    heap profile: 3: 2097252 [7: 4194704] @ heap/1048576
    2: 2097152 [4: 4194304] @ 0x401005 0x402010
    #\t0x401004\tmain.(*cache).store+0x24\t\t/src/main.go:30
    #\t0x401004\tmain.handle+0x4\t\t/src/main.go:36
    #\t0x40200f\tmain.main+0xf\t\t/src/main.go:66

    1: 100 [3: 400] @ 0x401105 0x402010
    #\t0x401104\tmain.index+0x4\t\t/src/main.go:40
    #\t0x40200f\tmain.main+0xf\t\t/src/main.go:66


    # runtime.MemStats
    # Alloc = 1234
    """

  func testGoLegacyHeap() throws {
    let p = try parseText(Self.goLegacy)
    XCTAssertEqual(p.period, 524_288, "Go's heap/ rate is twice the sampling period")
    XCTAssertEqual(p.sampleTypes.map(\.type), ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
    // avg 1 MiB at R=512 KiB: x 1/(1-e^-2) = 1.1565...; avg 100 B: x 5243.4...; avg 133.3 B: x 3932.66...
    XCTAssertEqual(p.samples.map(\.values), [[4, 4_850_786, 2, 2_425_393], [11_797, 1_573_064, 5243, 524_338]])
    XCTAssertEqual(p.samples.map { $0.numLabels["bytes"] ?? [] }, [[1_048_576], [100]])
    XCTAssertEqual(p.samples.map(\.locationIDs), [[1, 2], [3, 2]])
    XCTAssertEqual(p.locations.map(\.address), [0x401004, 0x40200f, 0x401104])
    // No maps: one catch-all mapping, as pprof makes.
    XCTAssertEqual(
      p.mappings,
      [
        Mapping(
          id: 1, start: 0, limit: .max, offset: 0, file: "", hasFunctions: true, hasFilenames: true,
          hasLineNumbers: true, hasInlineFrames: true)
      ])
    XCTAssertEqual(p.functions.map(\.name), ["main.(*cache).store", "main.handle", "main.main", "main.index"])
    XCTAssertEqual(p.functions.map(\.filename), ["/src/main.go", "/src/main.go", "/src/main.go", "/src/main.go"])
    XCTAssertEqual(p.locations[0].lines, [Line(functionID: 1, line: 30), Line(functionID: 2, line: 36)])
    XCTAssertEqual(p.locations[1].lines, [Line(functionID: 3, line: 66)])
    XCTAssertEqual(p.dropFrames, AllocatorFrames.dropFramesRegex)
    XCTAssertEqual(p.keepFrames, #"runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*"#)
  }

  func testTwoSampleTypesWhenAllocColumnsEqualInuseOrZero() throws {
    for header in ["heap profile: 1: 64 [1: 64] @ heapprofile", "heap profile: 1: 64 [0: 0] @ heapprofile"] {
      let p = try parseText("\(header)\n1: 64 [1: 64] @ 0x1001\n")
      XCTAssertEqual(
        p.sampleTypes, [ValueType(type: "objects", unit: "count"), ValueType(type: "space", unit: "bytes")])
      XCTAssertEqual(p.samples.map(\.values), [[1, 64]])
      XCTAssertEqual(p.period, 1)
      XCTAssertEqual(p.periodType, ValueType(type: "space", unit: "bytes"))
    }
    // pprof compares the header columns as text: "01" differs from "1".
    XCTAssertEqual(try parseText("heap profile: 1: 64 [01: 64] @ heapprofile\n").sampleTypes.count, 4)
    XCTAssertEqual(try parseText("heap profile: 1: 64 [1: 64] @ growthz\n").period, 1)
  }

  func testHeapprofMetadataLine() throws {
    let p = try parseText(
      "heap profile: 0: 0 [0: 0] @ heapprofile\n# heapprof: version=1 pid=-1 seq=12 time_ns=42 reason=usr2 program=/a b/c  --x\n\nMAPPED_LIBRARIES:\n"
    )
    XCTAssertEqual(p.timeNanos, 42)
    XCTAssertEqual(
      p.attributes, ["version": "1", "pid": "-1", "seq": "12", "reason": "usr2", "program": "/a b/c  --x"])
    XCTAssertEqual(
      profileError({ try parseText("heap profile: 0: 0 [0: 0] @ heapprofile\n# heapprof: version=1 junk\n") })?
        .description,
      "test.heap:2: heapprof metadata item \"junk\" is not KEY=VALUE")
    XCTAssertEqual(
      profileError({ try parseText("heap profile: 0: 0 [0: 0] @ heapprofile\n# heapprof: time_ns=soon\n") })?
        .description,
      "test.heap:2: heapprof metadata time_ns=soon is not a 64-bit integer")
  }

  func testTruncatedDumpsSaySo() throws {
    let whole = """
      heap profile: 2: 200 [3: 300] @ heapprofile
      1: 100 [2: 200] @ 0x401001 0x401101
      1: 100 [1: 100] @ 0x401001 0x401201
      # heapprof: version=1 pid=7 seq=1 time_ns=42 reason=exit program=/usr/bin/prog
      # heapprof-build-id: 0x0000000000400000 00aabbccdd

      MAPPED_LIBRARIES:
      00400000-00401000 r--p 00000000 08:01 7 /usr/bin/prog
      00401000-00402000 r-xp 00001000 08:01 7 /usr/bin/prog

      """
    let p = try parseText(whole)
    XCTAssertEqual(p.mappings.first?.file, "/usr/bin/prog")
    XCTAssertEqual(p.mappings.first?.buildID, "00aabbccdd", "the build id line names the file mapped at its start")
    func cut(_ n: Int) -> String? { profileError({ try parseText(String(whole.prefix(n))) })?.description }
    XCTAssertEqual(
      cut(whole.count - 12),
      "test.heap:9: the file is truncated: it ends in the middle of a MAPPED_LIBRARIES line; use a complete copy of the dump"
    )
    XCTAssertEqual(
      cut(whole.range(of: "MAPPED")!.lowerBound.utf16Offset(in: whole)),
      "test.heap:6: the file is truncated: it ends before the MAPPED_LIBRARIES section that heapprof and gperftools dumps "
        + "end with, so its addresses cannot be placed in the program; use a complete copy of the dump")
    // Cut inside an address: the line still reads as a sample line, but the file ends without a newline.
    XCTAssertEqual(
      cut(whole.range(of: "0x401201")!.lowerBound.utf16Offset(in: whole) + 4),
      "test.heap:3: the file is truncated: it ends before the MAPPED_LIBRARIES section that heapprof and gperftools dumps "
        + "end with, so its addresses cannot be placed in the program; use a complete copy of the dump")
    // Cut inside the metadata line.
    XCTAssertEqual(
      cut(whole.range(of: "time_ns=42")!.lowerBound.utf16Offset(in: whole) + 4),
      "test.heap:4: the file is truncated: it ends in the middle of this line (heapprof metadata item \"time\" is not KEY=VALUE)"
    )
    // gperftools (no heapprof line): lines that fall short of the header's totals.
    XCTAssertEqual(
      cut(whole.range(of: "1: 100 [1: 100]")!.lowerBound.utf16Offset(in: whole)),
      "test.heap:2: the file is truncated: it ends before the MAPPED_LIBRARIES section that heapprof and gperftools dumps "
        + "end with, so its addresses cannot be placed in the program; use a complete copy of the dump")
  }

  func testMapsSectionLikePprof() throws {
    let text = """
      heap profile: 3: 300 [3: 300] @ heapprofile
      1: 100 [1: 100] @ 0x401001 0x7f0000001001
      1: 100 [1: 100] @ 0x7f0000201001 0x500001
      1: 100 [1: 100] @ 0x900001
      MAPPED_LIBRARIES:
      7f0000000000-7f0000100000 r-xp 00000000 08:01 5 /lib/libfoo.so.1
      7f0000100000-7f0000180000 r-xp 00100000 08:01 5 /lib/libfoo.so.1
      00401000-00402000 r-xp 00001000 08:01 7 /usr/bin/my prog
      00402000-00403000 rw-p 00002000 08:01 7 /usr/bin/my prog
      I1125 12:00:00.000 maps.cc:10] 7f0000201000-7f0000202000 r-xp 00000000 08:01 9 /lib/libbar.so
      lib=/opt/lib
      0x500000-0x600000 $lib/libbrief.so (@2000) 0123abcd
      this line is ignored
      """
    let p = try parseText(text)
    XCTAssertEqual(
      p.mappings,
      [
        // The main binary moves first; start 0x401000 - offset 0x1000 = 0x400000 gets pprof's fix-up.
        Mapping(id: 1, start: 0x400000, limit: 0x402000, offset: 0, file: "/usr/bin/my"),
        // Two adjacent pieces of one library merge.
        Mapping(id: 2, start: 0x7f00_0000_0000, limit: 0x7f00_0018_0000, offset: 0, file: "/lib/libfoo.so.1"),
        // A glog prefix is removed.
        Mapping(id: 3, start: 0x7f00_0020_1000, limit: 0x7f00_0020_2000, offset: 0, file: "/lib/libbar.so"),
        // The brief form, with a $name substitution, an (@offset) and a build id.
        Mapping(
          id: 4, start: 0x500000, limit: 0x600000, offset: 0x2000, file: "/opt/lib/libbrief.so", buildID: "0123abcd"),
        // Addresses outside every mapping share one catch-all mapping.
        Mapping(id: 5, start: 0, limit: .max, offset: 0, file: ""),
      ])
    XCTAssertEqual(p.locations.map(\.mappingID), [1, 2, 3, 4, 5])
  }
}
