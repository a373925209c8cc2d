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

  /// Records `map-cases name` and returns its dumps in order (the last written at exit).
  private func record(_ name: String, dumps: Int) throws -> [String] {
    let program = try Products.path("map-cases", release: true)
    let prefix = dir.appendingPathComponent(name).path
    let r = try Products.heapprof(["record", "-o", prefix, "--", program, name])
    XCTAssertEqual(r.status, 0, r.stderr)
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
      .filter { $0.hasPrefix("\(name).") && $0.hasSuffix(".heap") }.sorted()
      .map { dir.appendingPathComponent($0).path }
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
    XCTAssertTrue(maps.stdout.contains("  table:    1500 live tables, capacity 96000 buckets;"), maps.stdout)
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
}
