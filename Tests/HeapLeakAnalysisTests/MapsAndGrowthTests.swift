import Foundation
import HeapProfTestSupport
import HeapProfile
import XCTest

@testable import HeapLeakAnalysis

/// The map report and the growth report on hand-built profiles shaped like real Swift
/// cache-leak dumps (symbolized, allocator frames kept), with exact expectations.
final class MapsAndGrowthTests: XCTestCase {
  // Stacks, leaf first, as the symbolizer names a Swift program's frames.
  static let root = ["CacheLeakDemo.CacheLeak.run()", "main"]
  static let handler = ["CacheLeakDemo.Service.handleRequest(_:)"] + root
  static let storage =
    [
      "swift_slowAlloc", "swift_allocObject",
      "Swift._DictionaryStorage<Swift.String, CacheLeakDemo.HeavyObject>.resize(original:capacity:move:)",
      "Swift._NativeDictionary<Swift.String, CacheLeakDemo.HeavyObject>._copyOrMoveAndResize(capacity:moveElements:)",
      "Swift.Dictionary<Swift.String, CacheLeakDemo.HeavyObject>.subscript.setter",
      "CacheLeakDemo.ResponseCache.store(_:for:)",
    ] + handler
  static let object =
    [
      "swift_slowAlloc", "swift_allocObject", "CacheLeakDemo.HeavyObject.__allocating_init(id:payloadBytes:)",
    ] + handler
  static let payload =
    [
      "malloc", "swift_slowAlloc", "swift_allocObject",
      "Swift._ContiguousArrayBuffer<Swift.UInt8>.init(_uninitializedCount:minimumCapacity:)",
      "CacheLeakDemo.HeavyObject.init(id:payloadBytes:)",
      "CacheLeakDemo.HeavyObject.__allocating_init(id:payloadBytes:)",
    ] + handler
  static let key = ["swift_slowAlloc", "swift_allocObject", "Swift._StringGuts.grow(_:)"] + handler
  static let unrelated = ["malloc", "CacheLeakDemo.Config.load()"] + root
  static let scratch =
    [
      "swift_slowAlloc", "swift_allocObject",
      "Swift._NativeDictionary<Swift.String, CacheLeakDemo.HeavyObject>._copyOrMoveAndResize(capacity:moveElements:)",
      "CacheLeakDemo.Service.buildScratchIndex(for:key:)",
    ] + handler

  /// (frames, alloc objects, alloc bytes, in-use objects, in-use bytes)
  typealias Row = (frames: [String], ao: Int64, ab: Int64, io: Int64, ib: Int64)

  static func profile(_ rows: [Row], seconds: Int64 = 1) -> Profile {
    var p = Profile(
      sampleTypes: [
        ValueType(type: "alloc_objects", unit: "count"), ValueType(type: "alloc_space", unit: "bytes"),
        ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes"),
      ],
      mappings: [
        Mapping(id: 1, start: 0x1000, limit: 0x100000, offset: 0, file: "/usr/bin/cache-leak", hasFunctions: true)
      ],
      timeNanos: 1_700_000_000_000_000_000 + seconds * 1_000_000_000, period: 1)
    var functionIDs: [String: UInt64] = [:]
    for row in rows {
      var ids: [UInt64] = []
      for f in row.frames {
        let id: UInt64
        if let known = functionIDs[f] {
          id = known
        } else {
          id = UInt64(functionIDs.count + 1)
          functionIDs[f] = id
          p.functions.append(Function(id: id, name: f))
          p.locations.append(
            Location(id: id, mappingID: 1, address: 0x1000 + id * 16, lines: [Line(functionID: id, line: 1)]))
        }
        ids.append(id)
      }
      p.samples.append(Sample(locationIDs: ids, values: [row.ao, row.ab, row.io, row.ib]))
    }
    p.attributes = ["pid": "4242", "seq": "\(seconds)"]
    return p
  }

  /// The leak after `n` requests of 4096 payload bytes; the table resized `resizes` times.
  static func leak(_ n: Int64, resizes: Int64, tableBytes: Int64, seconds: Int64) -> Profile {
    profile(
      [
        (storage, resizes, tableBytes * 2, 1, tableBytes),
        (object, n, n * 48, n, n * 48),
        (payload, n, n * 4128, n, n * 4128),
        (key, n, n * 48, n, n * 48),
        (unrelated, 3, 3000, 3, 3000),
      ], seconds: seconds)
  }

  func testLeakOwnerTypesEntriesAndFinding() throws {
    let owners = MapAnalysis.owners(in: Self.leak(1000, resizes: 11, tableBytes: 98_368, seconds: 1))
    XCTAssertEqual(owners.count, 1)
    let o = try XCTUnwrap(owners.first)
    XCTAssertEqual(o.kind, .swiftDictionary)
    XCTAssertEqual(o.typeDescription, "Dictionary<String, HeavyObject>")
    XCTAssertEqual(o.owner, "CacheLeakDemo.ResponseCache.store(_:for:)")
    XCTAssertEqual(o.entriesAnchor, "CacheLeakDemo.Service.handleRequest(_:)")
    XCTAssertEqual(o.storageInuseBytes, 98_368)
    XCTAssertEqual(o.storageInuseObjects, 1)
    XCTAssertEqual(o.storageAllocObjects, 11)
    XCTAssertEqual(o.entryInuseObjects, 3000)
    XCTAssertEqual(o.entryInuseBytes, 1000 * (48 + 4128 + 48))
    XCTAssertEqual(o.findings.map(\.kind), [.neverShrinks])
    XCTAssertEqual(
      o.path,
      [
        "CacheLeakDemo.CacheLeak.run()", "CacheLeakDemo.Service.handleRequest(_:)",
        "CacheLeakDemo.ResponseCache.store(_:for:)",
      ])
    assertGolden(
      MapsReport.render(Self.leak(1000, resizes: 11, tableBytes: 98_368, seconds: 1), source: "leak.heap"),
      "Golden/maps/leak.maps.txt")
  }

  func testFixedCacheHasNoFinding() throws {
    // Capacity 100: 1000 inserted, 100 live; 8 resizes while it filled.
    let p = Self.profile([
      (Self.storage, 8, 12_000, 1, 6_000),
      (Self.object, 1000, 48_000, 100, 4_800),
      (Self.payload, 1000, 4_128_000, 100, 412_800),
    ])
    let owners = MapAnalysis.owners(in: p)
    XCTAssertEqual(owners.count, 1)
    XCTAssertEqual(owners[0].findings, [])
    assertGolden(MapsReport.render(p, source: "fixed.heap"), "Golden/maps/fixed.maps.txt")
  }

  func testChurnFinding() throws {
    let p = Self.profile([
      (Self.scratch, 4000, 4000 * 600, 0, 0),
      (Self.object, 8000, 8000 * 48, 0, 0),
    ])
    let owners = MapAnalysis.owners(in: p)
    XCTAssertEqual(owners.count, 1)
    XCTAssertEqual(owners[0].owner, "CacheLeakDemo.Service.buildScratchIndex(for:key:)")
    XCTAssertEqual(owners[0].findings.map(\.kind), [.churn])
    assertGolden(MapsReport.render(p, source: "churn.heap"), "Golden/maps/churn.maps.txt")
  }

  /// Bytes of a native Swift table of `buckets` buckets at `stride` bytes per bucket: the
  /// 64-byte header, one bitmap word per 64 buckets, keys and values inline.
  static func swiftTable(_ buckets: Int64, stride: Int64) -> Int64 {
    64 + 8 * ((buckets + 63) / 64) + buckets * stride
  }

  /// The tables one map grown from empty allocates: 2, 4, … `last` buckets.
  static func swiftTablesGrownTo(_ last: Int64, stride: Int64) -> (count: Int64, bytes: Int64) {
    var b: Int64 = 2
    var count: Int64 = 0
    var bytes: Int64 = 0
    while b <= last {
      count += 1
      bytes += swiftTable(b, stride: stride)
      b *= 2
    }
    return (count, bytes)
  }

  static let intIndex =
    [
      "swift_slowAlloc", "swift_allocObject",
      "Swift._DictionaryStorage.allocate(scale:age:seed:)",
      "Swift._NativeDictionary<Swift.Int, Swift.Int>._copyOrMoveAndResize(capacity:moveElements:)",
      "Swift.Dictionary<Swift.Int, Swift.Int>.subscript.setter",
      "CacheLeakDemo.Indexer.build(_:)",
    ] + root

  func testOneMapDoublingAsItFillsIsNoRehashStorm() throws {
    // One [Int: Int] filled to 16,384 entries: 15 tables (2 … 32,768 buckets), the last live.
    let grown = Self.swiftTablesGrownTo(32_768, stride: 16)
    XCTAssertEqual(grown.count, 15)
    let p = Self.profile([(Self.intIndex, grown.count, grown.bytes, 1, Self.swiftTable(32_768, stride: 16))])
    let owner = try XCTUnwrap(MapAnalysis.owners(in: p).first)
    XCTAssertEqual(owner.typeDescription, "Dictionary<Int, Int>")
    XCTAssertEqual(owner.findings, [])
    // Int and Int are 16 bytes a bucket: the live table's size gives 32,768 buckets, but the
    // entries are inline and nothing else counts them.
    XCTAssertEqual(owner.occupancy?.capacity, 32_768)
    XCTAssertNil(owner.occupancy?.entries ?? nil)
  }

  func testManyMapsEachGrownWithoutReserveAreARehashStormNotChurn() throws {
    // 150 [Int: Int] built from empty to 4,096 entries (8,192 buckets: 13 tables each), then
    // dropped: a storm (reserve), not churn (reuse).
    let grown = Self.swiftTablesGrownTo(8_192, stride: 16)
    XCTAssertEqual(grown.count, 13)
    let p = Self.profile([(Self.intIndex, 150 * grown.count, 150 * grown.bytes, 0, 0)])
    let owner = try XCTUnwrap(MapAnalysis.owners(in: p).first)
    XCTAssertEqual(owner.findings.map(\.kind), [.rehashStorm])
    let estimate = MapAnalysis.stormEstimate(owner, tables: owner.tableAllocObjects, bytes: owner.tableAllocBytes)
    // The average table of such lives is exactly the average of the 13 sizes.
    XCTAssertEqual(estimate.tablesPerLife, 13)
    XCTAssertEqual(estimate.lives, 150)
    XCTAssertEqual(estimate.finalEntries, 6144)
    XCTAssertTrue(owner.findings[0].message.contains("1950 table allocations, 0 live"), owner.findings[0].message)
    XCTAssertTrue(owner.findings[0].message.contains("call `reserveCapacity(_:)`"), owner.findings[0].message)
  }

  func testSmallMapPerRequestIsChurnNotARehashStorm() throws {
    // 4,000 [Int: Int] of 24 entries (32 buckets: 5 tables each), all dropped.
    let grown = Self.swiftTablesGrownTo(32, stride: 16)
    let p = Self.profile([(Self.intIndex, 4000 * grown.count, 4000 * grown.bytes, 0, 0)])
    XCTAssertEqual(MapAnalysis.owners(in: p).first?.findings.map(\.kind), [.churn])
  }

  func testMapPatternsCoverEveryKind() {
    XCTAssertEqual(
      MapPatterns.kind(of: "std::_Hashtable<int, std::pair<int const, int>>::_M_insert_unique_node"), .cxxUnorderedMap)
    XCTAssertEqual(MapPatterns.kind(of: "std::__detail::_Map_base::operator[]"), .cxxUnorderedMap)
    XCTAssertEqual(MapPatterns.kind(of: "std::unordered_set<int>::insert"), .cxxUnorderedSet)
    XCTAssertEqual(MapPatterns.kind(of: "std::_Rb_tree::_M_emplace_hint_unique"), .cxxMap)
    XCTAssertEqual(MapPatterns.kind(of: "runtime.mapassign_faststr"), .goMap)
    XCTAssertEqual(MapPatterns.kind(of: "Swift._NativeSet<Swift.Int>.insertNew(_:at:isUnique:)"), .swiftSet)
    XCTAssertEqual(MapPatterns.kind(of: "Foundation.NSMutableDictionary.setObject(_:forKey:)"), .foundationDictionary)
    XCTAssertNil(MapPatterns.kind(of: "CacheLeakDemo.ResponseCache.store(_:for:)"))
    XCTAssertEqual(
      MapTypes.extract(
        from: "generic specialization <Swift.String, Swift.Array<Swift.UInt8>> of Swift._NativeDictionary.insertNew"),
      "String, Array<UInt8>")
  }

  /// Three snapshots: the leak grows in every interval, a bounded cache fills then stops,
  /// a churning site allocates much with flat in-use.
  static func series() -> [Profile] {
    let bounded = ["malloc", "CacheLeakDemo.SessionPool.warm()"] + root
    let churn = ["malloc", "CacheLeakDemo.Service.render(_:)"] + handler
    return [(1000, 1), (2000, 3), (3000, 5)].enumerated().map { (i, step) in
      let (n, t) = step
      var p = leak(Int64(n), resizes: 11 + Int64(i), tableBytes: 98_368 << i, seconds: Int64(t))
      let b: Int64 = i == 0 ? 100_000 : 1_000_000
      p = profile(
        [
          (storage, 11 + Int64(i), (98_368 << i) * 2, 1, 98_368 << i),
          (object, Int64(n), Int64(n) * 48, Int64(n), Int64(n) * 48),
          (payload, Int64(n), Int64(n) * 4128, Int64(n), Int64(n) * 4128),
          (key, Int64(n), Int64(n) * 48, Int64(n), Int64(n) * 48),
          (bounded, b / 100, b, b / 100, b),
          (churn, Int64(n) * 10, Int64(n) * 10 * 512, 2, 1024),
        ], seconds: Int64(t))
      return p
    }
  }

  func testGrowthNamesOneSuspectWithItsMap() throws {
    let profiles = Self.series()
    let a = GrowthAnalysis(profiles: profiles, sources: ["s.0001.heap", "s.0002.heap", "s.0003.heap"])
    XCTAssertEqual(a.suspects.count, 1)
    let s = try XCTUnwrap(a.suspects.first)
    XCTAssertEqual(s.verdict, .cacheWithoutEviction)
    XCTAssertEqual(s.map, "Dictionary<String, HeavyObject>")
    XCTAssertEqual(s.mapOwner, "CacheLeakDemo.ResponseCache.store(_:for:)")
    XCTAssertEqual(s.siteCount, 4)
    XCTAssertEqual(s.growthBytes, 2000 * (48 + 4128 + 48) + (98_368 * 4 - 98_368))
    XCTAssertGreaterThanOrEqual(s.growthShare, 0.9)
    XCTAssertEqual(s.survivedSnapshots, 3)
    XCTAssertEqual(s.bytesPerSecond.map { Int64($0) }, s.growthBytes / 4)
    XCTAssertEqual(
      a.groups.filter { $0.verdict == .boundedCache }.map(\.allocatingFunction), ["CacheLeakDemo.SessionPool.warm()"])
    XCTAssertEqual(
      a.groups.filter { $0.verdict == .churn }.map(\.allocatingFunction), ["CacheLeakDemo.Service.render(_:)"])
    assertGolden(GrowthReport.render(a), "Golden/growth/series.growth.txt")
    assertGolden(GrowthReport.json(a), "Golden/growth/series.growth.json")
  }

  func testFlatSeriesHasNoSuspect() {
    let p = Self.leak(100, resizes: 8, tableBytes: 6000, seconds: 1)
    var q = p
    q.timeNanos += 2_000_000_000
    let a = GrowthAnalysis(profiles: [p, q], sources: ["a", "b"])
    XCTAssertEqual(a.suspects.count, 0)
    XCTAssertTrue(GrowthReport.render(a).contains("Verdict: no leak suspect"))
  }

  /// Sessions kept in a registry after their contents were freed: the live object count
  /// never falls while bytes do, and the process frees everything in its exit dump.
  func testKeptObjectsWithFallingBytesAreASuspectAndTheExitDumpIsNotJudged() throws {
    let kept = ["malloc", "CacheLeakDemo.Registry.open(_:)"] + Self.root
    let steady = ["malloc", "CacheLeakDemo.Config.load()"] + Self.root
    // (kept objects, kept bytes): 1,000 sessions of 2,000 bytes, then their contents are
    // freed while new ones arrive; the last dump is written at exit with everything freed.
    let steps: [(Int64, Int64)] = [(1000, 2_000_000), (2000, 1_500_000), (3000, 1_800_000), (0, 0)]
    let profiles = steps.enumerated().map { (i, step) -> Profile in
      var p = Self.profile(
        [(kept, step.0, step.1, step.0, step.1), (steady, 10, 10_000, 10, 10_000)], seconds: Int64(i + 1))
      p.attributes["reason"] = i == 3 ? "exit" : "signal"
      return p
    }
    let a = GrowthAnalysis(profiles: profiles, sources: ["r.1", "r.2", "r.3", "r.4"])
    XCTAssertEqual(a.judgedSnapshots, 3)
    XCTAssertEqual(a.snapshots.map(\.isExitDump), [false, false, false, true])
    XCTAssertEqual(a.suspects.count, 1)
    let s = try XCTUnwrap(a.suspects.first)
    XCTAssertEqual(s.verdict, .leak)
    XCTAssertEqual(s.allocatingFunction, "CacheLeakDemo.Registry.open(_:)")
    XCTAssertEqual(s.inuseObjects, [1000, 2000, 3000, 0])
    XCTAssertTrue(s.objectsNeverDecreased)
    XCTAssertFalse(s.grewEveryInterval)
    XCTAssertEqual(s.growthBytes, -200_000)
    let text = GrowthReport.render(a)
    XCTAssertTrue(text.contains("  4. r.4  9.77kB  (written at exit)"), text)
    XCTAssertTrue(
      text.contains("note: snapshot 4 is the dump written at exit: verdicts are judged on snapshots 1–3"), text)
    XCTAssertTrue(
      text.contains(
        "Verdict: 1 leak suspect — 1 kept every object it made: +2000 live objects (100.0% of the object growth), though their bytes did not grow."
      ), text)
    XCTAssertTrue(text.contains("  objects:  never fewer: 1000 → 2000 → 3000 live objects"), text)
    XCTAssertTrue(text.contains("(at exit: 0, 0 objects)"), text)
    XCTAssertTrue(
      text.contains(
        "kept every object it made (1000 → 3000 live objects, never fewer) though its bytes went 1.91MB → 1.72MB"),
      text)
  }

  /// A pool that fills and stops gaining objects is bounded, whatever its bytes did.
  func testPoolThatStopsGainingObjectsIsNotASuspect() {
    let pool = ["malloc", "CacheLeakDemo.SessionPool.warm()"] + Self.root
    let steps: [(Int64, Int64)] = [(1000, 2_000_000), (2000, 1_500_000), (2000, 1_400_000)]
    let profiles = steps.enumerated().map { (i, step) in
      Self.profile([(pool, step.0, step.1, step.0, step.1)], seconds: Int64(i + 1))
    }
    let a = GrowthAnalysis(profiles: profiles, sources: ["p.1", "p.2", "p.3"])
    XCTAssertEqual(a.judgedSnapshots, 3)
    XCTAssertEqual(a.suspects.count, 0, GrowthReport.render(a))
  }
}
