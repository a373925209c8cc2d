import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// Merge, subtract, scale, prune, filter and compact. The fixture goldens were compared
/// once with google/pprof's library (`Merge`, `Scale(-1)`+`Merge`, `RemoveUninteresting`,
/// `FilterSamplesByName`) on the same inputs and agree line for line.
final class TransformTests: XCTestCase {
  /// A small symbolized profile: main → store → malloc, main → index → malloc (inlined helper).
  func sample() -> Profile {
    var p = Profile(
      sampleTypes: [ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes")],
      periodType: ValueType(type: "space", unit: "bytes"), period: 1)
    p.mappings = [Mapping(id: 1, start: 0x1000, limit: 0x9000, offset: 0, file: "/bin/app", hasFunctions: true)]
    p.functions = [
      Function(id: 1, name: "malloc", filename: "malloc.c"),
      Function(id: 2, name: "Cache.store(_:for:)", filename: "Cache.swift"),
      Function(id: 3, name: "main", filename: "main.swift"),
      Function(id: 4, name: "Index.insert(_:)", filename: "Index.swift"),
      Function(id: 5, name: "Index.grow()", filename: "Index.swift"),
      Function(id: 9, name: "unused", filename: "x.swift"),
    ]
    p.locations = [
      Location(id: 1, mappingID: 1, address: 0x1100, lines: [Line(functionID: 1, line: 10)]),
      Location(id: 2, mappingID: 1, address: 0x2200, lines: [Line(functionID: 2, line: 20)]),
      Location(id: 3, mappingID: 1, address: 0x3300, lines: [Line(functionID: 3, line: 30)]),
      Location(
        id: 4, mappingID: 1, address: 0x4400, lines: [Line(functionID: 5, line: 50), Line(functionID: 4, line: 40)]),
      Location(id: 7, mappingID: 1, address: 0x7700, lines: [Line(functionID: 9, line: 1)]),
    ]
    p.samples = [
      Sample(locationIDs: [1, 2, 3], values: [10, 4096], numLabels: ["bytes": [409]]),
      Sample(locationIDs: [1, 4, 3], values: [2, 512], labels: ["thread": ["t1"]]),
      Sample(locationIDs: [1, 2, 3], values: [1, 100], numLabels: ["bytes": [100]]),
    ]
    return p
  }

  func testMergeSumsEqualStacksAndKeepsDistinctLabels() throws {
    let p = sample()
    let m = try Profile.merge([p, p])
    XCTAssertEqual(m.samples.map(\.values), [[20, 8192], [4, 1024], [2, 200]])
    XCTAssertEqual(m.samples.map(\.locationIDs), [[1, 2, 3], [1, 4, 3], [1, 2, 3]])
    // Unreferenced location 7 and function 9 are gone; ids renumbered from 1.
    XCTAssertEqual(m.locations.map(\.id), [1, 2, 3, 4])
    XCTAssertEqual(
      m.functions.map(\.name), ["malloc", "Cache.store(_:for:)", "main", "Index.grow()", "Index.insert(_:)"])
    XCTAssertEqual(m.locations[3].lines, [Line(functionID: 4, line: 50), Line(functionID: 5, line: 40)])
  }

  func testMergeRejectsDifferentKinds() {
    var other = sample()
    other.sampleTypes[1] = ValueType(type: "alloc_space", unit: "bytes")
    XCTAssertThrowsError(try Profile.merge([sample(), other])) { e in
      XCTAssertEqual(
        "\(e)",
        "<merge>: cannot merge profile 2 with profile 1: sample types differ (inuse_objects/count alloc_space/bytes vs inuse_objects/count inuse_space/bytes)"
      )
    }
    XCTAssertThrowsError(try Profile.merge([])) { e in XCTAssertEqual("\(e)", "<merge>: no profiles to merge") }
  }

  func testSubtractKeepsOnlyGrowth() throws {
    var later = sample()
    later.samples[0].values = [25, 10240]
    let diff = try later.subtracting(base: sample())
    // Stack 1 grew by 15 objects / 6144 bytes; stacks 2 and 3 did not change and vanish.
    XCTAssertEqual(diff.samples.map(\.values), [[15, 6144]])
    XCTAssertEqual(diff.samples[0].numLabels, ["bytes": [409]])
    XCTAssertEqual(diff.locations.count, 3)
  }

  func testScaleRoundsHalfAwayFromZeroAndDropsZeros() {
    let s = sample().scaled(by: 0.25)
    // 10*0.25=2.5→3, 4096→1024; 2→0.5→1, 512→128; 1→0.25→0, 100→25.
    XCTAssertEqual(s.samples.map(\.values), [[3, 1024], [1, 128], [0, 25]])
    XCTAssertEqual(sample().scaled(by: 0).samples.count, 0)
    XCTAssertEqual(sample().scaled(by: [1, -1]).samples.map(\.values), [[10, -4096], [2, -512], [1, -100]])
    XCTAssertEqual(sample().scaled(by: 1), sample())
  }

  func testPruneDropsAllocatorFramesAndInlinedCallees() throws {
    var p = sample()
    try p.prune(drop: AllocatorFrames.dropFramesRegex, keep: AllocatorFrames.keepFramesRegex)
    XCTAssertEqual(p.samples.map(\.locationIDs), [[2, 3], [4, 3], [2, 3]])
    var q = sample()
    // Index.grow is inlined into Index.insert at location 4: only the callee line goes.
    try q.prune(drop: #"malloc|Index\.grow"#)
    XCTAssertEqual(q.samples.map(\.locationIDs), [[2, 3], [4, 3], [2, 3]])
    XCTAssertEqual(q.locations[3].lines, [Line(functionID: 4, line: 40)])
    // Parameter lists are ignored: "Cache.store(_:for:)" is matched as "Cache.store".
    var r = sample()
    try r.prune(drop: #"malloc|Cache\.store"#, keep: "")
    XCTAssertEqual(r.samples.map(\.locationIDs), [[3], [4, 3], [3]])
    // A stack made only of drop frames is left whole.
    var t = sample()
    try t.prune(drop: ".*")
    XCTAssertEqual(t.samples.map(\.locationIDs), [[1, 2, 3], [1, 4, 3], [1, 2, 3]])
    XCTAssertThrowsError(try t.prune(drop: "(")) { e in
      XCTAssertEqual(
        "\(e)", "drop_frames: invalid regular expression \"^(()$\"; check its brackets, parentheses and escapes")
    }
  }

  func testSwiftRuntimeAllocatorsAreDropped() throws {
    var p = sample()
    p.functions[0].name = "swift_slowAlloc"
    p.functions[1].name = "swift_allocObject"
    try p.removeUninteresting()  // empty dropFrames: nothing happens
    XCTAssertEqual(p.samples[0].locationIDs, [1, 2, 3])
    p.dropFrames = AllocatorFrames.dropFramesRegex
    try p.removeUninteresting()
    XCTAssertEqual(p.samples.map(\.locationIDs), [[3], [4, 3], [3]])
    XCTAssertEqual(Profile.simplifiedFunctionName("(anonymous namespace)::f(int)"), "(anonymous namespace)::f")
    XCTAssertEqual(Profile.simplifiedFunctionName("Foo::operator()(int) const"), "Foo::operator()")
    XCTAssertEqual(Profile.simplifiedFunctionName(".malloc"), "malloc")
  }

  func testFilterFocusIgnoreHideShow() throws {
    var f = sample()
    XCTAssertEqual(try f.filter(focus: "Cache"), FilterMatches(focus: true, ignore: false, hide: false, show: false))
    XCTAssertEqual(f.samples.map(\.values), [[10, 4096], [1, 100]])

    var i = sample()
    XCTAssertEqual(try i.filter(ignore: #"Index\.swift"#).ignore, true)  // file names match too
    XCTAssertEqual(i.samples.map(\.values), [[10, 4096], [1, 100]])

    var h = sample()
    XCTAssertEqual(try h.filter(hide: "malloc|grow").hide, true)
    XCTAssertEqual(h.samples.map(\.locationIDs), [[2, 3], [4, 3], [2, 3]])
    XCTAssertEqual(h.locations[3].lines, [Line(functionID: 4, line: 40)])

    var s = sample()
    XCTAssertEqual(try s.filter(show: "main|Index").show, true)
    XCTAssertEqual(s.samples.map(\.locationIDs), [[3], [4, 3], [3]])
    XCTAssertEqual(s.locations[3].lines.count, 2)

    var m = sample()
    XCTAssertEqual(try m.filter(show: "/bin/app").show, true)  // mapping file keeps all lines
    XCTAssertEqual(m.samples.map(\.locationIDs), sample().samples.map(\.locationIDs))

    var none = sample()
    XCTAssertEqual(
      try none.filter(focus: "nothing"), FilterMatches(focus: false, ignore: false, hide: false, show: false))
    XCTAssertEqual(none.samples.count, 0)
  }

  func testCompactedDropsUnreferencedObjects() {
    var p = sample()
    p.samples.removeLast(2)
    p.mappings.append(Mapping(id: 2, start: 0x10000, limit: 0x20000, offset: 0, file: "/lib/unused.so"))
    let c = p.compacted()
    XCTAssertEqual(c.locations.map(\.address), [0x1100, 0x2200, 0x3300])
    XCTAssertEqual(c.functions.map(\.name), ["malloc", "Cache.store(_:for:)", "main"])
    XCTAssertEqual(c.mappings.map(\.file), ["/bin/app"])
    XCTAssertEqual(c.samples.map(\.values), [[10, 4096]])
  }

  // MARK: - On real profiles (goldens verified against pprof's library)

  func testMergeOfGoSnapshots() throws {
    let ps = try (1...3).map { try ProfileReader.read(path: fixture("go/mapleak.\($0).pb.gz")) }
    assertGolden(try Profile.merge(ps).description, "Golden/transform.merge.go.mapleak.1-3.txt")
  }

  func testBaseOfGperftoolsDumps() throws {
    let later = try ProfileReader.read(path: fixture("gperftools/mapleak.0003.heap"))
    let base = try ProfileReader.read(path: fixture("gperftools/mapleak.0002.heap"))
    let diff = try later.subtracting(base: base)
    XCTAssertEqual(zip(totals(later), totals(base)).map { $0 - $1 }, totals(diff))
    assertGolden(diff.description, "Golden/transform.base.gperftools.mapleak.0003-0002.txt")
  }

  func testPruneAndFilterOfGoCallTree() throws {
    var pruned = try ProfileReader.read(path: fixture("go/calltree.pb.gz"))
    try pruned.prune(drop: #"main\.alloc|main\.leaf"#)
    assertGolden(pruned.description, "Golden/transform.prune.go.calltree.alloc_leaf.txt")
    var filtered = try ProfileReader.read(path: fixture("go/calltree.pb.gz"))
    let m = try filtered.filter(focus: "leaf|parse", ignore: "loadConfig", hide: "alloc|runtime", show: "main|os")
    XCTAssertEqual(m, FilterMatches(focus: true, ignore: true, hide: true, show: true))
    assertGolden(filtered.description, "Golden/transform.filter.go.calltree.txt")
  }
}
