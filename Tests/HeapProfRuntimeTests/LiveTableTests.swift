import HeapProfRuntime
import XCTest

/// The sharded pointer -> (size, site) table.
final class LiveTableTests: XCTestCase {
  func testInsertLookupRemove() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_live_table_create(arena, 2, 16))
    XCTAssertEqual(hp_live_table_insert(table, 0x1000, 32, 7, nil, nil), 1)
    XCTAssertEqual(hp_live_table_insert(table, 0x2000, (1 << 40) - 1, 0xFFFFFF, nil, nil), 1)
    var size: UInt64 = 0, site: UInt32 = 0
    XCTAssertEqual(hp_live_table_lookup(table, 0x2000, &size, &site), 1)
    XCTAssertEqual(size, (1 << 40) - 1)
    XCTAssertEqual(site, 0xFFFFFF)
    XCTAssertEqual(hp_live_table_remove(table, 0x1000, &size, &site), 1)
    XCTAssertEqual(size, 32)
    XCTAssertEqual(site, 7)
    XCTAssertEqual(hp_live_table_remove(table, 0x1000, &size, &site), 0)
    XCTAssertEqual(hp_live_table_count(table), 1)
    // Too big for an entry, or no pointer: not recorded.
    XCTAssertEqual(hp_live_table_insert(table, 0x3000, 1 << 40, 1, nil, nil), 0)
    XCTAssertEqual(hp_live_table_insert(table, 0, 8, 1, nil, nil), 0)
  }

  func testInsertOfLivePointerReportsTheOldEntry() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_live_table_create(arena, 0, 16))
    XCTAssertEqual(hp_live_table_insert(table, 0x5000, 10, 1, nil, nil), 1)
    var oldSize: UInt64 = 0, oldSite: UInt32 = 0
    XCTAssertEqual(hp_live_table_insert(table, 0x5000, 20, 2, &oldSize, &oldSite), 2)
    XCTAssertEqual(oldSize, 10)
    XCTAssertEqual(oldSite, 1)
    XCTAssertEqual(hp_live_table_count(table), 1)
  }

  func testGrowsAndGivesEveryEntryBack() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_live_table_create(arena, 3, 16))
    let n = 100_000
    // Pointers 16 bytes apart, as malloc hands them out.
    for i in 0..<n {
      XCTAssertEqual(
        hp_live_table_insert(table, UInt(0x7f00_0000_0000 + i * 16), UInt64(i), UInt32(i % 1000), nil, nil), 1)
    }
    XCTAssertEqual(hp_live_table_count(table), UInt64(n))
    XCTAssertGreaterThanOrEqual(hp_live_table_capacity(table) * 3, UInt64(n) * 4)
    var bytes: UInt64 = 0
    for i in stride(from: n - 1, through: 0, by: -1) {  // remove in another order
      var size: UInt64 = 0, site: UInt32 = 0
      XCTAssertEqual(hp_live_table_remove(table, UInt(0x7f00_0000_0000 + i * 16), &size, &site), 1)
      XCTAssertEqual(site, UInt32(i % 1000))
      bytes += size
    }
    XCTAssertEqual(bytes, UInt64(n * (n - 1) / 2))
    XCTAssertEqual(hp_live_table_count(table), 0)
    XCTAssertEqual(hp_arena_live_blocks(arena), 8)  // one array per shard
    hp_live_table_destroy(table)
    XCTAssertEqual(hp_arena_live_blocks(arena), 0)
  }

  func testFullTableDropsInsteadOfAllocating() throws {
    // Room for the table struct and one shard array of 16 slots, no more.
    let arena = try XCTUnwrap(hp_arena_create(4096 + 4096, 4096))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_live_table_create(arena, 0, 16))
    var inserted = 0
    for i in 0..<100 where hp_live_table_insert(table, UInt(0x1000 + i * 16), 1, 0, nil, nil) == 1 {
      inserted += 1
    }
    XCTAssertEqual(inserted, 15)  // one slot always stays empty
    XCTAssertEqual(hp_live_table_count(table), 15)
    XCTAssertEqual(hp_live_table_remove(table, 0x1000, nil, nil), 1)
    XCTAssertEqual(hp_live_table_insert(table, 0x9999_0000, 1, 0, nil, nil), 1)
  }

  func testThreadsInsertingAndRemovingConcurrently() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_live_table_create(arena, 2, 16))
    let threads = 4, perThread = 20_000
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      let base = UInt(0x10_0000_0000 * (t + 1))
      for i in 0..<perThread { _ = hp_live_table_insert(table, base + UInt(i * 32), 8, UInt32(t), nil, nil) }
      for i in stride(from: 0, to: perThread, by: 2) { _ = hp_live_table_remove(table, base + UInt(i * 32), nil, nil) }
    }
    XCTAssertEqual(hp_live_table_count(table), UInt64(threads * perThread / 2))
    for t in 0..<threads {
      var site: UInt32 = 99
      XCTAssertEqual(hp_live_table_lookup(table, UInt(0x10_0000_0000 * (t + 1)) + 32, nil, &site), 1)
      XCTAssertEqual(site, UInt32(t))
    }
    hp_live_table_destroy(table)
    XCTAssertEqual(hp_arena_live_blocks(arena), 0)
  }
}
