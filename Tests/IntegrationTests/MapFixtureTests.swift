import Foundation
import HeapProfTestSupport
import XCTest

/// `maps` and `growth` on profiles made by other runtimes: the real tcmalloc heap profiler
/// on a C++ program that leaks into std::unordered_map and std::map, and the real Go
/// runtime on a program that leaks into a map[string]*session.
final class MapFixtureTests: XCTestCase {
  var fixtures: URL { packageRoot().appendingPathComponent("Tests/Fixtures") }

  func growthJSON(_ args: [String]) throws -> [String: Any] {
    let r = try Products.heapprof(["growth", "--format", "json"] + args)
    XCTAssertEqual(r.status, 0, r.stderr)
    return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  }

  func testCxxUnorderedMapAndMapLeaks() throws {
    let dir = fixtures.appendingPathComponent("gperftools")
    let snaps = ["mapleak.0001.heap", "mapleak.0002.heap", "mapleak.0003.heap"].map {
      dir.appendingPathComponent($0).path
    }
    let doc = try growthJSON(snaps)
    XCTAssertEqual(doc["suspects"] as? Int, 2)
    let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
    XCTAssertEqual(
      groups.prefix(2).map { $0["map"] as? String },
      [
        "std::unordered_map<std::string, std::vector<char>>", "std::map<int, std::string>",
      ])
    XCTAssertEqual(groups.prefix(2).map { $0["mapOwner"] as? String }, ["store", "remember"])
    XCTAssertEqual(
      groups.prefix(2).map { $0["verdict"] as? String }, ["cache without eviction", "cache without eviction"])

    let maps = try Products.heapprof(["maps", snaps[2]])
    XCTAssertEqual(maps.status, 0, maps.stderr)
    XCTAssertTrue(
      maps.stdout.contains("1. std::unordered_map<std::string, std::vector<char>> owned by store"), maps.stdout)
    XCTAssertTrue(
      maps.stdout.contains(
        "grows and never shrinks: std::unordered_map<std::string, std::vector<char>> in store: all 1200 entry objects"),
      maps.stdout)
    XCTAssertTrue(
      maps.stdout.contains("grows and never shrinks: std::map<int, std::string> in remember: all 600 entry objects"),
      maps.stdout)
    // Ground truth (src/mapleak.cc): 3 rounds of 200 inserts = 600 nodes; libstdc++'s
    // prime rehash policy grows 541 → 1109 buckets at the 542nd insert, 8 bytes each.
    XCTAssertTrue(
      maps.stdout.contains("  table:    1 live table, capacity 1109 buckets; 600 live entries (54% occupied)"),
      maps.stdout)
  }

  func testGoMapLeak() throws {
    let dir = fixtures.appendingPathComponent("gomaps")
    let binary = dir.appendingPathComponent("sessionleak").path
    let snaps = (1...3).map { dir.appendingPathComponent("sessionleak.\($0).heap").path }
    let doc = try growthJSON(["--binary", binary] + snaps)
    // Two suspects: the map, and the fmt.Sprintf keys serveRequest makes for it — 2,000 per
    // round in src/main.go, "session-%06d" is 14 bytes, Go's 16-byte size class: 32,000 bytes
    // and 2,000 objects more in every snapshot, each kept alive as a map key.
    XCTAssertEqual(doc["suspects"] as? Int, 2, "\(doc)")
    let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
    let suspect = try XCTUnwrap(groups.first)
    // Go's names carry no key and value types.
    XCTAssertEqual(suspect["map"] as? String, "map")
    XCTAssertEqual(suspect["mapOwner"] as? String, "main.(*sessionStore).remember")
    let keys = try XCTUnwrap(groups.dropFirst().first)
    XCTAssertEqual(keys["inuseBytes"] as? [Int], [32000, 64000, 96000], "\(keys)")
    XCTAssertEqual(keys["inuseObjects"] as? [Int], [2000, 4000, 6000], "\(keys)")
    let maps = try Products.heapprof(["maps", "--binary", binary, snaps[2]])
    XCTAssertTrue(maps.stdout.contains("owned by main.(*sessionStore).remember"), maps.stdout)
    XCTAssertTrue(maps.stdout.contains("grows and never shrinks"), maps.stdout)
  }
}
