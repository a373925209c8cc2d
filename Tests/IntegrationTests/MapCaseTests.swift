import Foundation
import HeapProfTestSupport
import XCTest

/// `maps` and `growth` on the Swift map bugs of `map-cases` (Sources/MapCases), recorded by
/// `heapprof record` as a user would. The expected numbers are written down in that
/// program's source, from its code and Swift's table layout (TableGeometry).
final class MapCaseTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("map-cases")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  /// The dumps written under `DIR/prefix` (PREFIX.<pid>.<seq>.heap), in order.
  private func dumpFiles(_ prefix: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path)
      .filter { $0.hasPrefix("\(prefix).") && $0.hasSuffix(".heap") }.sorted()
      .map { dir.appendingPathComponent($0).path }
  }

  /// Records `map-cases name` and returns its dumps in order (the last written at exit).
  private func record(_ name: String, dumps: Int) throws -> [String] {
    let program = try Products.path("map-cases", release: true)
    let prefix = dir.appendingPathComponent(name).path
    let r = try Products.heapprof(["record", "-o", prefix, "--", program, name])
    XCTAssertEqual(r.status, 0, r.stderr)
    let files = try dumpFiles(name)
    XCTAssertEqual(files.count, dumps, "\(files)\n\(r.stderr)")
    return files
  }

  func testEmptiedInnerDictionariesKeptByTheRegistry() throws {
    let dumps = try record("nested", dumps: 4)
    let maps = try Products.heapprof(["maps", dumps[2]])
    XCTAssertEqual(maps.status, 0, maps.stderr)
    // 1,500 sessions (3 rounds of 500), each an emptied table of 64 buckets of String and
    // Data (32 bytes a bucket): 64 + 8 + 64·32 = 2,120 bytes, 3,180,000 in all (3.03MB).
    XCTAssertTrue(
      maps.stdout.contains(
        "* emptied tables kept: 1500 Dictionary<String, Data> tables live in MapCases.Registry.open(_:fields:bytes:) (3.03MB)"
      ), maps.stdout)
    XCTAssertTrue(
      maps.stdout.contains(
        "emptied maps kept by Dictionary<UUID, Dictionary<String, Data>> in MapCases.Registry.open(_:fields:bytes:): "
          + "remove their keys from it (`m[key] = nil` or `removeValue(forKey:)`) instead of emptying the inner maps."),
      maps.stdout)
    XCTAssertTrue(
      maps.stdout.contains(
        "  nested:   Dictionary<String, Data> kept by Dictionary<UUID, Dictionary<String, Data>> in MapCases.Registry.open(_:fields:bytes:)\n"
      ), maps.stdout)
    XCTAssertTrue(maps.stdout.contains("  table:    1500 live tables, capacity 96000 buckets\n"), maps.stdout)
    // Every field ever made (48,000 Data, two allocations each) was freed.
    XCTAssertFalse(maps.stdout.contains("grows and never shrinks"), maps.stdout)

    // Growth judges the three rounds and shows the exit dump apart; the suspect is the
    // inner tables, named with the map that keeps them.
    let growth = try Products.heapprof(["growth"] + dumps)
    XCTAssertEqual(growth.status, 0, growth.stderr)
    XCTAssertTrue(growth.stdout.contains("(written at exit)\n"), growth.stdout)
    XCTAssertTrue(
      growth.stdout.contains(
        "\nLEAK SUSPECT 1: emptied maps kept — Dictionary<String, Data> kept by Dictionary<UUID, Dictionary<String, Data>> in MapCases.Registry.open(_:fields:bytes:)\n"
      ), growth.stdout)
    XCTAssertFalse(growth.stdout.contains("Bounded"), growth.stdout)
  }

  func testDictionaryEmptiedByRemovalsKeepsItsCapacity() throws {
    let dumps = try record("shrink", dumps: 3)
    // Filled: 16,384 entries in 32,768 buckets of Int and Session (16 bytes a bucket):
    // 64 + 512·8 + 32,768·16 = 528,448 bytes (516.06kB).
    let full = try Products.heapprof(["maps", dumps[0]])
    XCTAssertTrue(
      full.stdout.contains("  table:    1 live table, capacity 32768 buckets; 16384 live entries (50% occupied)"),
      full.stdout)
    // After 16,128 removals: the same table, 256 entries.
    let emptied = try Products.heapprof(["maps", dumps[1]])
    XCTAssertTrue(
      emptied.stdout.contains("  table:    1 live table, capacity 32768 buckets; 256 live entries (1% occupied)"),
      emptied.stdout)
    XCTAssertTrue(
      emptied.stdout.contains(
        "* mostly empty table: Dictionary<Int, Session> in MapCases.SessionTable.admit(_:): capacity 32768 buckets "
          + "(516.06kB of table), 256 live entries — 99% of the table is empty: shrink it by re-creating it"),
      emptied.stdout)
    // One map doubling as it fills is not a rehash storm.
    XCTAssertFalse(full.stdout.contains("rehash storm") || emptied.stdout.contains("rehash storm"), full.stdout)
    // Memory fell: no leak.
    let growth = try Products.heapprof(["growth"] + dumps)
    XCTAssertTrue(growth.stdout.contains("Verdict: no leak suspect"), growth.stdout)
  }

  func testIndexesGrownWithoutReserveAreARehashStorm() throws {
    let dumps = try record("storm", dumps: 2)
    let maps = try Products.heapprof(["maps", dumps[0]])
    // 150 indexes × 13 tables (2 … 8,192 buckets), none live.
    XCTAssertTrue(
      maps.stdout.contains(
        "* rehash storm: Dictionary<Int, Int> in MapCases.buildIndex(_:seed:): 1950 table allocations, 0 live — "
          + "about 150 maps each resized about 13 times as it filled"), maps.stdout)
    XCTAssertFalse(maps.stdout.contains("* churn"), maps.stdout)
  }

  /// The C++ fixture's std::unordered_map cache built as shipped (-O2, no -g: no inline
  /// frames): still "grows and never shrinks", never "rehash storm" (its doublings as it
  /// fills are the leak's consequence).
  func testUnorderedMapCacheBuiltWithoutDebugInfoIsALeakNotAStorm() throws {
    let source = packageRoot().appendingPathComponent("Tests/Fixtures/gperftools/src/mapleak.cc").path
    let program = dir.appendingPathComponent("mapleak").path
    let cc = try runProgram("/usr/bin/g++", ["-O2", "-fno-omit-frame-pointer", "-o", program, source, "-ldl"])
    XCTAssertEqual(cc.status, 0, cc.stderr)
    // 3 rounds of 40,000 entries of 1–2.5 KiB; a dump each time in-use grows by 30 MiB (the
    // exit dump comes after the static destructors freed the maps).
    let prefix = dir.appendingPathComponent("ml").path
    let r = try Products.heapprof(["record", "-o", prefix, "--inuse-interval", "30MiB", "--", program, "3", "40000"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let dumps = try dumpFiles("ml")
    XCTAssertGreaterThanOrEqual(dumps.count, 4, r.stderr)
    let last = dumps[dumps.count - 2]
    let maps = try Products.heapprof(["maps", last])
    XCTAssertTrue(
      maps.stdout.contains("Verdict: 1 finding\n  * grows and never shrinks: std::unordered_map in store: all "),
      maps.stdout)
    XCTAssertFalse(maps.stdout.contains("rehash storm"), maps.stdout)
    let growth = try Products.heapprof(["growth"] + dumps)
    XCTAssertTrue(
      growth.stdout.contains("\nLEAK SUSPECT 1: cache without eviction — std::unordered_map in store\n"), growth.stdout)
    XCTAssertFalse(growth.stdout.contains("rehash storm"), growth.stdout)
  }

  func testNSMutableDictionaryCacheIsNamedAsFoundationsWithItsAdvice() throws {
    let dumps = try record("foundation", dumps: 4)
    let maps = try Products.heapprof(["maps", dumps[2]]).stdout
    // Foundation on Linux keeps an NSMutableDictionary's entries in a Swift Dictionary: the
    // map is named by the API the program called, with that API's advice.
    XCTAssertTrue(
      maps.contains(
        "Verdict: 1 finding\n  * grows and never shrinks: NSDictionary in MapCases.LegacyCache.store(_:): all "),
      maps)
    XCTAssertTrue(maps.contains("remove them (`removeObject(forKey:)`), or use NSCache with a limit."), maps)
    XCTAssertFalse(maps.contains("* churn"), maps)
    let growth = try Products.heapprof(["growth"] + dumps).stdout
    XCTAssertTrue(
      growth.contains("\nLEAK SUSPECT 1: cache without eviction — NSDictionary in MapCases.LegacyCache.store(_:)\n"),
      growth)
  }

  // MARK: C++ (Tests/Fixtures/mapcases/mapcases.cc, ground truth in its comments)

  /// Builds the C++ twin with g++ -O1 -g (inline frames name the container types) and
  /// records `case` with `heapprof record`; returns its dumps in order.
  private func recordCxx(_ name: String) throws -> [String] {
    let program = dir.appendingPathComponent("mapcases-cc").path
    if !FileManager.default.fileExists(atPath: program) {
      let source = packageRoot().appendingPathComponent("Tests/Fixtures/mapcases/mapcases.cc").path
      let cc = try runProgram(
        "/usr/bin/g++", ["-O1", "-g", "-fno-omit-frame-pointer", "-o", program, source, "-ldl"])
      XCTAssertEqual(cc.status, 0, cc.stderr)
    }
    let prefix = dir.appendingPathComponent("cc-\(name)").path
    let r = try Products.heapprof(["record", "-o", prefix, "--", program, name])
    XCTAssertEqual(r.status, 0, r.stderr)
    return try dumpFiles("cc-\(name)")
  }

  func testCxxEveryClassGetsItsVerdict() throws {
    // Nested: 1,500 inner tables of 59 heads kept by the registry, every field freed.
    let nested = try recordCxx("nested")
    XCTAssertEqual(nested.count, 4)
    let nestedMaps = try Products.heapprof(["maps", nested[2]]).stdout
    XCTAssertTrue(
      nestedMaps.contains(
        "Verdict: 1 finding\n  * emptied tables kept: 1500 std::unordered_map<std::string, std::vector<char>> tables live in open_session"
      ), nestedMaps)
    XCTAssertTrue(
      nestedMaps.contains(
        "emptied maps kept by std::unordered_map<int, std::unordered_map<std::string, std::vector<char>>> in open_session: "
          + "remove their keys from it (`erase(key)`)"), nestedMaps)
    XCTAssertTrue(
      nestedMaps.contains("  table:    1500 live tables, capacity 88500 buckets; 0 live entries"), nestedMaps)
    let nestedGrowth = try Products.heapprof(["growth"] + nested).stdout
    XCTAssertTrue(
      nestedGrowth.contains(
        "LEAK SUSPECT 1: emptied maps kept — std::unordered_map<std::string, std::vector<char>> kept by "
          + "std::unordered_map<int, std::unordered_map<std::string, std::vector<char>>> in open_session\n"),
      nestedGrowth)

    // Never shrinks: 20,753 heads kept for 256 entries after 16,128 erases.
    let shrink = try recordCxx("shrink")
    XCTAssertEqual(shrink.count, 3)
    let shrinkMaps = try Products.heapprof(["maps", shrink[1]]).stdout
    XCTAssertTrue(
      shrinkMaps.contains(
        "* mostly empty table: std::unordered_map<int, std::vector<char>> in admit: capacity 20753 buckets (162.13kB of table), "
          + "256 live entries — 98% of the table is empty: shrink it with `rehash(0)`"), shrinkMaps)
    XCTAssertTrue(
      try Products.heapprof(["growth"] + shrink).stdout.contains("Verdict: no leak suspect"), "shrink growth")

    // Storm: 150 indexes × 9 bucket arrays (13 … 5,087 heads), none live.
    let storm = try recordCxx("storm")
    let stormMaps = try Products.heapprof(["maps", storm[0]]).stdout
    XCTAssertTrue(
      stormMaps.contains(
        "* rehash storm: std::unordered_map<int, int> in build_index: 1350 table allocations, 0 live — "
          + "about 150 maps each resized about 9 times as it filled"), stormMaps)
    XCTAssertFalse(stormMaps.contains("* churn"), stormMaps)
    // Every index was dropped: nothing grew but the exit's stdio buffer.
    XCTAssertTrue(try Products.heapprof(["growth"] + storm).stdout.contains("Verdict: no leak suspect"), "storm growth")

    // Bounded LRU: 1,000 entries in 1,109 heads; no finding, no suspect.
    let lru = try recordCxx("lru")
    XCTAssertEqual(lru.count, 4)
    let lruMaps = try Products.heapprof(["maps", lru[2]]).stdout
    XCTAssertTrue(lruMaps.contains("Verdict: no finding"), lruMaps)
    XCTAssertTrue(
      lruMaps.contains("  table:    1 live table, capacity 1109 buckets; 1000 live entries (90% occupied)"), lruMaps)
    XCTAssertTrue(try Products.heapprof(["growth"] + lru).stdout.contains("Verdict: no leak suspect"), "lru growth")

    // Churn: 4,000 requests a round, each a map of 64 entries (4 bucket arrays), dropped.
    let churn = try recordCxx("churn")
    let churnMaps = try Products.heapprof(["maps", churn[2]]).stdout
    XCTAssertTrue(
      churnMaps.contains(
        "* churn: std::unordered_map<int, std::vector<int>> in handle_request: 48000 tables allocated, 0 live"),
      churnMaps)
    XCTAssertFalse(churnMaps.contains("rehash storm"), churnMaps)
    XCTAssertTrue(try Products.heapprof(["growth"] + churn).stdout.contains("Verdict: no leak suspect"), "churn growth")
  }

  // MARK: Go (Tests/Fixtures/mapcases/go, legacy text profiles read with --binary)

  func testGoEveryClassGetsItsVerdict() throws {
    let go = try XCTUnwrap(which("go"), "tools/install-deps installs golang-go")
    let program = dir.appendingPathComponent("mapcases-go").path
    let source = packageRoot().appendingPathComponent("Tests/Fixtures/mapcases/go")
    let build = try runProgram(
      go, ["build", "-trimpath", "-o", program, "."],
      environment: [
        "GOCACHE": dir.appendingPathComponent("gocache").path, "GOPATH": dir.appendingPathComponent("gopath").path,
        "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
      ], currentDirectory: source)
    XCTAssertEqual(build.status, 0, build.stderr)
    func run(_ name: String, dumps: Int) throws -> [String] {
      let r = try runProgram(program, [name, dir.path])
      XCTAssertEqual(r.status, 0, r.stderr)
      return (1...dumps).map { dir.appendingPathComponent("\(name).\($0).heap").path }
    }
    func maps(_ file: String) throws -> String { try Products.heapprof(["maps", "--binary", program, file]).stdout }
    func growth(_ files: [String]) throws -> String {
      try Products.heapprof(["growth", "--binary", program] + files).stdout
    }

    // Nested: 1,500 emptied inner maps kept (Go's names carry no types, so no chain).
    let nested = try run("nested", dumps: 3)
    let nestedMaps = try maps(nested[2])
    XCTAssertTrue(nestedMaps.contains("Verdict: 1 finding\n  * emptied tables kept: "), nestedMaps)
    XCTAssertTrue(nestedMaps.contains(" map tables live in main.openSession"), nestedMaps)
    XCTAssertTrue(try growth(nested).contains("LEAK SUSPECT 1: emptied maps kept — map in main.openSession\n"))

    // Never shrinks: 4,096 buckets (32,768 slots) kept for 256 entries.
    let shrink = try run("shrink", dumps: 2)
    let shrinkMaps = try maps(shrink[1])
    XCTAssertTrue(
      shrinkMaps.contains(
        "* mostly empty table: map in main.admit: capacity 32768 slots (616kB of table), 256 live entries — "
          + "99% of the table is empty: shrink it by copying into a new map; Go maps never shrink after delete."),
      shrinkMaps)
    XCTAssertTrue(try growth(shrink).contains("Verdict: no leak suspect"))

    // Storm: 150 maps × 11 bucket arrays (1 → 1,024 buckets), none live.
    let storm = try run("storm", dumps: 1)
    let stormMaps = try maps(storm[0])
    XCTAssertTrue(stormMaps.contains("* rehash storm: map in main.buildIndex: "), stormMaps)
    XCTAssertTrue(stormMaps.contains(" maps each resized about 11 times as it filled"), stormMaps)
    XCTAssertFalse(stormMaps.contains("* churn"), stormMaps)

    // Bounded LRU: 1,000 entries in 256 buckets (2,048 slots).
    let lru = try run("lru", dumps: 3)
    let lruMaps = try maps(lru[2])
    XCTAssertTrue(lruMaps.contains("Verdict: no finding"), lruMaps)
    XCTAssertTrue(
      lruMaps.contains("  table:    1 live table, capacity 2048 slots; 1000 live entries (49% occupied)"), lruMaps)
    XCTAssertTrue(try growth(lru).contains("Verdict: no leak suspect"))

    // Churn: a map of 64 entries per request.
    let churn = try run("churn", dumps: 3)
    XCTAssertTrue(try maps(churn[2]).contains("* churn: map in main.handleRequest: "))
    XCTAssertTrue(try growth(churn).contains("Verdict: no leak suspect"))
  }

  // MARK: C with GLib (Tests/Fixtures/mapcases/ghashleak.c)

  func testGHashTableCacheWithoutRemovalIsNamed() throws {
    let source = packageRoot().appendingPathComponent("Tests/Fixtures/mapcases/ghashleak.c").path
    let program = dir.appendingPathComponent("ghashleak").path
    let flags = try runProgram("/usr/bin/pkg-config", ["--cflags", "--libs", "glib-2.0"])
    XCTAssertEqual(flags.status, 0, "tools/install-deps installs libglib2.0-dev: \(flags.stderr)")
    let glib = flags.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    let cc = try runProgram(
      "/usr/bin/gcc", ["-O1", "-g", "-fno-omit-frame-pointer", "-o", program, source] + glib + ["-ldl"])
    XCTAssertEqual(cc.status, 0, cc.stderr)
    let prefix = dir.appendingPathComponent("gh").path
    let r = try Products.heapprof(["record", "-o", prefix, "--", program])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "60000\n")
    let dumps = try dumpFiles("gh")
    XCTAssertEqual(dumps.count, 4, r.stderr)
    let maps = try Products.heapprof(["maps", dumps[2]]).stdout
    XCTAssertTrue(maps.contains("Verdict: 1 finding\n  * grows and never shrinks: GHashTable in remember: "), maps)
    XCTAssertTrue(maps.contains("remove them (`g_hash_table_remove`)"), maps)
    let growth = try Products.heapprof(["growth"] + dumps).stdout
    XCTAssertTrue(growth.contains("\nLEAK SUSPECT 1: cache without eviction — GHashTable in remember\n"), growth)
    // The values: 1,024 bytes each, 20,000 more in every round.
    XCTAssertTrue(growth.contains("(at exit: 60.70MB"), growth)
  }
}
