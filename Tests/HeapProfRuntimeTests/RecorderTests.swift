import HeapProfRuntime
import XCTest

/// Recording allocations and frees through both tables, as the hooks do.
final class RecorderTests: XCTestCase {
  private var arena: OpaquePointer!
  private var recorder: OpaquePointer!

  override func setUpWithError() throws {
    arena = try XCTUnwrap(hp_arena_create(0, 0))
    recorder = try XCTUnwrap(hp_recorder_create(arena, 8, 2, 16))
  }

  override func tearDown() {
    hp_recorder_destroy(recorder)
    XCTAssertEqual(hp_arena_live_blocks(arena), 0, "every live-table array was given back")
    hp_arena_release(arena)
  }

  private func alloc(_ ptr: UInt, _ size: UInt64, _ frames: [UInt]) -> Int32 {
    frames.withUnsafeBufferPointer {
      hp_recorder_alloc(recorder, ptr, size, $0.baseAddress, Int32($0.count), HP_STACK_NONE)
    }
  }

  private func stats() -> hp_stats {
    var s = hp_stats()
    hp_recorder_stats(recorder, &s)
    return s
  }

  func testAllocAndFreeCreditTheRightSite() throws {
    let a: [UInt] = [0x401000, 0x402000], b: [UInt] = [0x403000]
    for i in 0..<10 { XCTAssertEqual(alloc(0x1000 + UInt(i) * 16, 100, a), 1) }
    for i in 0..<3 { XCTAssertEqual(alloc(0x9000 + UInt(i) * 16, 7, b), 1) }
    for i in 0..<4 { XCTAssertEqual(hp_recorder_free(recorder, 0x1000 + UInt(i) * 16, nil), 1) }
    XCTAssertEqual(hp_recorder_free(recorder, 0xdead0, nil), 0, "unknown pointers are ignored")
    var counts = hp_site_counts()
    XCTAssertEqual(hp_site_table_counts(hp_recorder_sites(recorder), 0, &counts), 0)
    XCTAssertEqual([counts.alloc_count, counts.alloc_bytes, counts.free_count, counts.free_bytes], [10, 1000, 4, 400])
    XCTAssertEqual(hp_site_table_counts(hp_recorder_sites(recorder), 1, &counts), 0)
    XCTAssertEqual([counts.alloc_count, counts.alloc_bytes, counts.free_count, counts.free_bytes], [3, 21, 0, 0])
    let s = stats()
    XCTAssertEqual(
      [s.alloc_count, s.alloc_bytes, s.free_count, s.free_bytes, s.inuse_count, s.inuse_bytes, s.sites, s.dropped],
      [13, 1021, 4, 400, 9, 621, 2, 0])
    XCTAssertEqual(hp_recorder_live_count(recorder), 9)
  }

  func testUnseenFreeIsCreditedWhenTheAddressComesBack() throws {
    XCTAssertEqual(alloc(0x5000, 64, [0x1]), 1)
    XCTAssertEqual(alloc(0x5000, 32, [0x2]), 1)  // 0x5000 was freed behind our back
    let s = stats()
    XCTAssertEqual([s.alloc_count, s.inuse_count, s.inuse_bytes, s.free_bytes], [2, 1, 32, 64])
  }

  func testReallocFailureKeepsTheOldEntryAndSuccessCreditsIt() throws {
    XCTAssertEqual(alloc(0x7000, 50, [0xa]), 1)
    var r = hp_realloc(), freed: UInt64 = 0
    XCTAssertEqual(hp_recorder_realloc_begin(recorder, &r, 0x7000, 500, &freed), 0)
    XCTAssertEqual(hp_recorder_live_count(recorder), 0, "out of the live table during the real call")
    XCTAssertEqual(hp_recorder_realloc_end(recorder, &r, 0, &freed), 0)  // the real realloc failed
    XCTAssertEqual(stats().inuse_bytes, 50)
    XCTAssertEqual(hp_recorder_live_count(recorder), 1, "put back")
    XCTAssertEqual(hp_recorder_realloc_begin(recorder, &r, 0x7000, 80, &freed), 0)
    XCTAssertEqual(hp_recorder_realloc_end(recorder, &r, 0x8000, &freed), 1)  // it moved
    XCTAssertEqual(freed, 50)
    XCTAssertEqual(alloc(0x8000, 80, [0xb]), 1)
    let s = stats()
    XCTAssertEqual(
      [s.alloc_count, s.alloc_bytes, s.free_count, s.free_bytes, s.inuse_count, s.inuse_bytes],
      [2, 130, 1, 50, 1, 80])
    XCTAssertEqual(hp_recorder_live_count(recorder), 1)
    XCTAssertEqual(hp_recorder_free(recorder, 0x7000, nil), 0, "the old address is gone")
  }

  func testReallocToZeroFreesBeforeTheRealCallAndNullOrUnknownBlocksChangeNothing() throws {
    XCTAssertEqual(alloc(0x7000, 50, [0xa]), 1)
    var r = hp_realloc(), freed: UInt64 = 0
    XCTAssertEqual(hp_recorder_realloc_begin(recorder, &r, 0x7000, 0, &freed), 1, "glibc frees p in realloc(p, 0)")
    XCTAssertEqual(freed, 50)
    XCTAssertEqual(hp_recorder_realloc_end(recorder, &r, 0, &freed), 0)
    XCTAssertEqual(hp_recorder_realloc_begin(recorder, &r, 0, 64, &freed), 0)  // realloc(NULL, 64)
    XCTAssertEqual(hp_recorder_realloc_end(recorder, &r, 0x9000, &freed), 0)
    XCTAssertEqual(hp_recorder_realloc_begin(recorder, &r, 0xdead0, 64, &freed), 0)  // never recorded
    XCTAssertEqual(hp_recorder_realloc_end(recorder, &r, 0x9000, &freed), 0)
    XCTAssertEqual(r.old, 0xdead0)
    XCTAssertEqual(r.size, 64)
    let s = stats()
    XCTAssertEqual([s.alloc_count, s.alloc_bytes, s.free_count, s.free_bytes, s.inuse_count], [1, 50, 1, 50, 0])
    XCTAssertEqual(hp_recorder_live_count(recorder), 0)
  }

  func testStackIdNamesItsSiteWithoutLookingAtTheFrames() throws {
    let a: [UInt] = [0x401000, 0x402000], b: [UInt] = [0x403000]
    func allocNamed(_ ptr: UInt, _ frames: [UInt], _ id: UInt32) -> Int32 {
      frames.withUnsafeBufferPointer { hp_recorder_alloc(recorder, ptr, 8, $0.baseAddress, Int32($0.count), id) }
    }
    XCTAssertEqual(allocNamed(0x1000, a, 7), 1)  // stack 7 is a: site 0
    // The recorder trusts the caller's id: the frames given with a known id are not read.
    XCTAssertEqual(allocNamed(0x1010, b, 7), 1)
    XCTAssertEqual(allocNamed(0x1020, b, HP_STACK_NONE), 1)  // b, looked up: site 1
    XCTAssertEqual(allocNamed(0x1030, a, 70_000), 1)  // another id page, same frames: site 0
    XCTAssertEqual(allocNamed(0x1040, b, 70_000), 1)
    var counts = hp_site_counts()
    XCTAssertEqual(hp_site_table_counts(hp_recorder_sites(recorder), 0, &counts), 0)
    XCTAssertEqual(counts.alloc_count, 4)
    XCTAssertEqual(hp_site_table_counts(hp_recorder_sites(recorder), 1, &counts), 0)
    XCTAssertEqual(counts.alloc_count, 1)
    XCTAssertEqual(stats().sites, 2)
  }

  func testFourThreadsFreeingEachOthersMemory() throws {
    let threads = 4, perThread = 10_000
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      let frames: [UInt] = [UInt(0x1000 * (t + 1))]
      for i in 0..<perThread {
        _ = frames.withUnsafeBufferPointer {
          hp_recorder_alloc(recorder, UInt(0x100_0000 * (t + 1) + i * 16), 24, $0.baseAddress, 1, HP_STACK_NONE)
        }
      }
      // Free half of the next thread's blocks (they may not all be there yet).
      let other = (t + 1) % threads
      var freed = 0
      while freed < perThread / 2 {
        for i in stride(from: 0, to: perThread, by: 2)
        where hp_recorder_free(recorder, UInt(0x100_0000 * (other + 1) + i * 16), nil) == 1 {
          freed += 1
        }
      }
    }
    let s = stats()
    XCTAssertEqual(
      [s.alloc_count, s.free_count, s.inuse_count, s.inuse_bytes, s.sites],
      [40_000, 20_000, 20_000, 480_000, 4])
  }

  func testFullTablesCountDropsAndKeepTheCountersExact() throws {
    // Measure what one recorder with a single 16-slot shard maps, then allow exactly that.
    let probe = try XCTUnwrap(hp_arena_create(0, 4096))
    let probeRecorder = try XCTUnwrap(hp_recorder_create(probe, 4, 0, 16))
    var frame: UInt = 0x42
    XCTAssertEqual(hp_recorder_alloc(probeRecorder, 0x10, 1, &frame, 1, HP_STACK_NONE), 1)
    let needed = hp_arena_mapped_bytes(probe)
    hp_recorder_destroy(probeRecorder)
    hp_arena_release(probe)

    let small = try XCTUnwrap(hp_arena_create(needed, 4096))
    defer { hp_arena_release(small) }
    let rec = try XCTUnwrap(hp_recorder_create(small, 4, 0, 16))
    var recorded = 0
    for i in 0..<20 where hp_recorder_alloc(rec, UInt(0x1000 + i * 16), 10, &frame, 1, HP_STACK_NONE) == 1 {
      recorded += 1
    }
    XCTAssertEqual(recorded, 15, "a 16-slot shard that cannot grow keeps one slot empty")
    var s = hp_stats()
    hp_recorder_stats(rec, &s)
    XCTAssertEqual([s.alloc_count, s.alloc_bytes, s.inuse_count, s.inuse_bytes, s.dropped], [20, 200, 15, 150, 5])
    XCTAssertEqual(hp_arena_mapped_bytes(small), needed, "no memory beyond the limit")
    hp_recorder_destroy(rec)
  }
}
