import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// pprof protobuf in and out: every field survives, the string table is well formed, and
/// the real `go tool pprof` reads what heapprof writes.
final class PprofCodecTests: XCTestCase {
  /// A profile that sets every field profile.proto has.
  func everything() -> Profile {
    var p = Profile(
      sampleTypes: [ValueType(type: "alloc_space", unit: "bytes"), ValueType(type: "inuse_space", unit: "bytes")],
      dropFrames: "malloc|swift_slowAlloc", keepFrames: "runtime\\.main", timeNanos: 1_700_000_000_123_456_789,
      durationNanos: 5_000_000_000, periodType: ValueType(type: "space", unit: "bytes"), period: 524_288,
      comments: ["first comment", "second: ünïcödé"], defaultSampleType: "inuse_space",
      docURL: "https://example.com/heapprof")
    p.mappings = [
      Mapping(
        id: 1, start: 0x400000, limit: 0x500000, offset: 0x1000, file: "/bin/app", buildID: "abc123",
        hasFunctions: true, hasFilenames: true, hasLineNumbers: true, hasInlineFrames: true),
      Mapping(id: 2, start: 0x7f00_0000_0000, limit: 0x7f00_0010_0000, offset: 0, file: "/lib/libc.so.6"),
    ]
    p.functions = [
      Function(
        id: 1, name: "Cache.store(_:for:)", systemName: "$s5Cache5storeyyF", filename: "Cache.swift", startLine: 12),
      Function(id: 2, name: "main", systemName: "main", filename: "main.swift", startLine: 1),
    ]
    p.locations = [
      Location(
        id: 1, mappingID: 1, address: 0x401234,
        lines: [Line(functionID: 1, line: 20, column: 7), Line(functionID: 2, line: 3, column: 1)], isFolded: true),
      Location(id: 2, mappingID: 2, address: 0x7f00_0000_1000),
    ]
    p.samples = [
      Sample(
        locationIDs: [1, 2], values: [4096, 1024], labels: ["thread": ["t1", "t2"], "kind": ["dictionary"]],
        numLabels: ["bytes": [64, 128], "age": [3]], numUnits: ["bytes": ["bytes", "bytes"], "age": ["dumps"]]),
      Sample(locationIDs: [2], values: [-5, 0], numLabels: ["bytes": [-1]]),
    ]
    p.attributes = ["pid": "1"]
    return p
  }

  func testEveryFieldRoundTrips() throws {
    var p = everything()
    for gzip in [false, true] {
      let back = try ProfileReader.parse(try p.pprofData(gzip: gzip), source: "all.pb")
      p.attributes = [:]  // not in profile.proto
      XCTAssertEqual(back, p)
    }
    assertGolden(p.description, "Golden/codec.everything.txt")
  }

  func testStringTableAndLabelEncoding() throws {
    let m = PprofEncoder.message(everything())
    XCTAssertEqual(m.stringTable.first, "")
    XCTAssertEqual(Set(m.stringTable).count, m.stringTable.count, "strings are interned once")
    let labels = m.sample[0].label.map { l -> String in
      let key = m.stringTable[Int(l.key)]
      if l.str != 0 { return "\(key)=\(m.stringTable[Int(l.str)])" }
      return "\(key)=\(l.num) \(m.stringTable[Int(l.numUnit)])"
    }
    // String labels first, then numeric ones, keys sorted, values in order.
    XCTAssertEqual(
      labels, ["kind=dictionary", "thread=t1", "thread=t2", "age=3 dumps", "bytes=64 bytes", "bytes=128 bytes"])
  }

  func testNumUnitsArePaddedLikePprof() throws {
    // Label order: bytes=1 (no unit), bytes=2 unit "kB" → units ["", "kB"].
    var m = Perftools_Profiles_Profile()
    m.stringTable = ["", "space", "bytes", "kB"]
    var vt = Perftools_Profiles_ValueType()
    vt.type = 1
    vt.unit = 2
    m.sampleType = [vt]
    var s = Perftools_Profiles_Sample()
    s.value = [1]
    var l1 = Perftools_Profiles_Label()
    l1.key = 2
    l1.num = 1
    var l2 = l1
    l2.num = 2
    l2.numUnit = 3
    var l3 = l1
    l3.num = 0  // no value and no unit: pprof drops it
    s.label = [l1, l2, l3]
    m.sample = [s]
    let p = try ProfileReader.parse(try m.serializedBytes() as [UInt8], source: "units.pb")
    XCTAssertEqual(p.samples[0].numLabels, ["bytes": [1, 2]])
    XCTAssertEqual(p.samples[0].numUnits, ["bytes": ["", "kB"]])
  }

  func testBadStringIndex() throws {
    var m = PprofEncoder.message(everything())
    m.function[0].name = 999
    XCTAssertEqual(
      profileError({ try ProfileReader.parse(try m.serializedBytes() as [UInt8], source: "idx.pb") })?.description,
      "idx.pb:byte \(try offsetOfFirstFunction(m)): malformed profile: function 1 refers to string 999, but the string table has \(m.stringTable.count) entries"
    )
    m = PprofEncoder.message(everything())
    m.stringTable[0] = "x"
    XCTAssertEqual(
      profileError({ try ProfileReader.parse(try m.serializedBytes() as [UInt8], source: "s0.pb") })?.description,
      "s0.pb: not a valid pprof protobuf: string_table[0] must be the empty string")
  }

  func offsetOfFirstFunction(_ m: Perftools_Profiles_Profile) throws -> Int {
    let bytes: [UInt8] = try m.serializedBytes()
    return try XCTUnwrap(PprofDecoder.scan(bytes, source: "").functions.first)
  }

  func testWritePprofIsAtomicAndGzipped() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-write-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("out.pb.gz").path
    try everything().writePprof(to: path)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    XCTAssertEqual(Array(bytes.prefix(2)), [0x1f, 0x8b])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.pb.gz"])
    XCTAssertThrowsError(try everything().writePprof(to: "/nonexistent/dir/out.pb.gz")) { e in
      XCTAssertEqual("\(e)", "/nonexistent/dir/out.pb.gz: the directory /nonexistent/dir does not exist")
    }
    // The package's one writer: a new 0600 file, and a symlink at the path is replaced,
    // never written through.
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    let victim = dir.appendingPathComponent("victim").path
    try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
    let link = dir.appendingPathComponent("link.pb.gz").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
    try everything().writePprof(to: link)
    XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "keep")
    let replaced = try FileManager.default.attributesOfItem(atPath: link)
    XCTAssertEqual(replaced[.type] as? FileAttributeType, .typeRegular, "the symlink was replaced by the file")
    XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: link)).prefix(2)), [0x1f, 0x8b])
  }

  func testGzippedTextProfilesAreRead() throws {
    let text = try Data(contentsOf: URL(fileURLWithPath: fixture("heapprof/leak.0001.heap")))
    let gz = try Gzip.compress([UInt8](text))
    let p = try ProfileReader.parse(gz, source: "leak.heap.gz")
    XCTAssertEqual(p, try ProfileReader.read(path: fixture("heapprof/leak.0001.heap")))
  }

  /// The real `go tool pprof` reads heapprof's protobuf of a real tcmalloc dump and reports
  /// the same totals for every sample type.
  func testGoToolPprofReadsOurProtobuf() throws {
    let p = try ProfileReader.read(path: fixture("gperftools/mapleak.0003.heap"))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-\(getpid()).pb.gz").path
    try p.writePprof(to: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for (i, t) in p.sampleTypes.enumerated() {
      let out = try goPprof(["-top", "-unit=B", "-symbolize=none", "-sample_index=\(t.type)", path])
      let expected = p.samples.reduce(Int64(0)) { $0 + $1.values[i] }
      XCTAssertTrue(out.contains("% of \(expected)B total"), "\(t.type): expected \(expected)B in\n\(out)")
    }
  }
}
