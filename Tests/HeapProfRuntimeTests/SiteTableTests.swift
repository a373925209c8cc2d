import HeapProfRuntime
import XCTest

/// The lock-free stack -> site table.
final class SiteTableTests: XCTestCase {
  private func intern(_ table: OpaquePointer, _ frames: [UInt]) -> UInt32 {
    frames.withUnsafeBufferPointer { hp_site_table_intern(table, $0.baseAddress, Int32($0.count)) }
  }

  func testSameStackSameSite() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_site_table_create(arena, 8))
    XCTAssertEqual(intern(table, [0x1000, 0x2000, 0x3000]), 0)
    XCTAssertEqual(intern(table, [0x1000, 0x2000]), 1)  // a prefix is another stack
    XCTAssertEqual(intern(table, [0x1000, 0x2000, 0x3001]), 2)
    XCTAssertEqual(intern(table, [0x1000, 0x2000, 0x3000]), 0)
    XCTAssertEqual(intern(table, []), 3)
    XCTAssertEqual(hp_site_table_site_count(table), 4)
    XCTAssertEqual(hp_site_table_id_limit(table), 4)
    var depth: Int32 = 0
    let frames = try XCTUnwrap(hp_site_table_frames(table, 2, &depth))
    XCTAssertEqual(depth, 3)
    XCTAssertEqual([frames[0], frames[1], frames[2]], [0x1000, 0x2000, 0x3001])
    XCTAssertNil(hp_site_table_frames(table, 4, &depth))
  }

  func testFindLooksUpWithoutCreating() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_site_table_create(arena, 8))
    func find(_ frames: [UInt]) -> UInt32 {
      frames.withUnsafeBufferPointer { hp_site_table_find(table, $0.baseAddress, Int32($0.count)) }
    }
    XCTAssertEqual(find([0x1000, 0x2000]), HP_SITE_NONE)
    XCTAssertEqual(hp_site_table_site_count(table), 0)
    XCTAssertEqual(intern(table, [0x1000, 0x2000]), 0)
    XCTAssertEqual(intern(table, [0x1000]), 1)
    XCTAssertEqual(find([0x1000, 0x2000]), 0)
    XCTAssertEqual(find([0x1000]), 1)
    XCTAssertEqual(find([0x2000]), HP_SITE_NONE)
    XCTAssertEqual(hp_site_table_site_count(table), 2)
    var counts = hp_site_counts()
    XCTAssertEqual(hp_site_table_counts(table, 0, &counts), 0)
    XCTAssertEqual([counts.alloc_count, counts.free_count], [0, 0], "find counts nothing")
  }

  func testCountersAreExact() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_site_table_create(arena, 4))
    let id = intern(table, [0xabc])
    for _ in 0..<5 { hp_site_table_add_alloc(table, id, 48) }
    for _ in 0..<2 { hp_site_table_add_free(table, id, 48) }
    var counts = hp_site_counts()
    XCTAssertEqual(hp_site_table_counts(table, id, &counts), 0)
    XCTAssertEqual(counts.alloc_count, 5)
    XCTAssertEqual(counts.alloc_bytes, 240)
    XCTAssertEqual(counts.free_count, 2)
    XCTAssertEqual(counts.free_bytes, 96)
    XCTAssertEqual(hp_site_table_counts(table, 99, &counts), -1)
  }

  func testDepthIsClampedTo256() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let table = try XCTUnwrap(hp_site_table_create(arena, 4))
    let long = (0..<300).map { UInt(0x1000 + $0) }
    let id = intern(table, long)
    XCTAssertEqual(intern(table, Array(long.prefix(256))), id)
    var depth: Int32 = 0
    _ = hp_site_table_frames(table, id, &depth)
    XCTAssertEqual(depth, 256)
  }

  func testConcurrentInternsMakeOneSitePerStack() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    // 16 chains for 500 stacks: long chains and many CAS races.
    let table = try XCTUnwrap(hp_site_table_create(arena, 4))
    let stacks = (0..<500).map { [UInt(0x400000 + $0 * 16), 0x500000, UInt($0 % 7)] }
    DispatchQueue.concurrentPerform(iterations: 4) { t in
      for round in 0..<20 {
        for (i, stack) in stacks.enumerated() where (i + t + round) % 2 == 0 {
          let id = stack.withUnsafeBufferPointer {
            hp_site_table_intern(table, $0.baseAddress, Int32($0.count))
          }
          hp_site_table_add_alloc(table, id, UInt64(i))
        }
      }
    }
    XCTAssertEqual(hp_site_table_site_count(table), 500)
    var allocs: UInt64 = 0, bytes: UInt64 = 0
    var counts = hp_site_counts()
    for id in 0..<hp_site_table_id_limit(table) where hp_site_table_counts(table, id, &counts) == 0 {
      allocs += counts.alloc_count
      bytes += counts.alloc_bytes
    }
    XCTAssertEqual(allocs, 4 * 20 * 250)
    // Every stack i is interned 40 times (half the 80 thread-rounds), adding i bytes each.
    XCTAssertEqual(bytes, UInt64((0..<500).reduce(0, +) * 40))
  }

  /// Stripes (per-thread counters): exact totals when threads free each other's
  /// allocations, and stripes of exited threads are adopted, not multiplied.
  /// One table per process may have them, so this table and its arena live on.
  func testStripedCountsAreExactAcrossThreadsAndReused() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))  // never released: stripes outlive tests
    let table = try XCTUnwrap(hp_site_table_create(arena, 8))
    XCTAssertEqual(hp_site_table_enable_stripes(table), 1)
    let other = try XCTUnwrap(hp_site_table_create(arena, 8))
    XCTAssertEqual(hp_site_table_enable_stripes(other), 0)  // one per process
    let ids = (0..<10).map { i in
      [UInt(0x600000 + i * 16), 0x700000].withUnsafeBufferPointer {
        hp_site_table_intern(table, $0.baseAddress, Int32($0.count))
      }
    }
    // 4 threads allocate 1000 times at every site; each frees what the next thread allocated.
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      for _ in 0..<1000 {
        for (i, id) in ids.enumerated() {
          hp_site_table_add_alloc(table, id, UInt64(8 * (i + 1)))
          hp_site_table_add_free(table, id, UInt64(8 * (i + 1)))
        }
      }
    }
    // 50 short-lived threads, one after another: each counts one allocation at site 0.
    for _ in 0..<50 {
      let thread = Thread { hp_site_table_add_alloc(table, ids[0], 100) }
      let done = DispatchSemaphore(value: 0)
      let finished = Thread {
        thread.start()
        while !thread.isFinished { usleep(100) }
        done.signal()
      }
      finished.start()
      done.wait()
    }
    for (i, id) in ids.enumerated() {
      var counts = hp_site_counts()
      XCTAssertEqual(hp_site_table_counts(table, id, &counts), 0)
      XCTAssertEqual(counts.alloc_count, 4000 + (i == 0 ? 50 : 0))
      XCTAssertEqual(counts.alloc_bytes, UInt64(4000 * 8 * (i + 1) + (i == 0 ? 5000 : 0)))
      XCTAssertEqual(counts.free_count, 4000)
      XCTAssertEqual(counts.free_bytes, UInt64(4000 * 8 * (i + 1)))
    }
    // Threads alive at once: the test's, up to 4 workers, two helper threads at a time.
    XCTAssertLessThanOrEqual(hp_site_table_stripe_count(table), 8)
    XCTAssertGreaterThanOrEqual(hp_site_table_stripe_count(table), 2)
  }
}
