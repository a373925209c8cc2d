import HeapProfRuntime
import XCTest

/// The mmap arena: alignment, limits, block accounting and release.
final class ArenaTests: XCTestCase {
  func testBumpAlignsAndZeroes() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let a = try XCTUnwrap(hp_arena_bump(arena, 3, 8))
    let b = try XCTUnwrap(hp_arena_bump(arena, 100, 64))
    XCTAssertEqual(Int(bitPattern: a) % 8, 0)
    XCTAssertEqual(Int(bitPattern: b) % 64, 0)
    XCTAssertGreaterThanOrEqual(Int(bitPattern: b), Int(bitPattern: a) + 3)
    let bytes = b.assumingMemoryBound(to: UInt8.self)
    XCTAssertEqual((0..<100).map { bytes[$0] }, [UInt8](repeating: 0, count: 100))
    // One 1 MiB chunk serves both.
    XCTAssertEqual(hp_arena_mapped_bytes(arena), 1 << 20)
  }

  func testLimitRefusesInsteadOfGrowing() throws {
    let arena = try XCTUnwrap(hp_arena_create(8192, 4096))
    defer { hp_arena_release(arena) }
    XCTAssertNotNil(hp_arena_map(arena, 4096))
    XCTAssertNotNil(hp_arena_bump(arena, 100, 8))
    XCTAssertEqual(hp_arena_mapped_bytes(arena), 8192)
    XCTAssertNil(hp_arena_map(arena, 1))
    XCTAssertNil(hp_arena_bump(arena, 5000, 8))
    XCTAssertEqual(hp_arena_mapped_bytes(arena), 8192)
  }

  func testBlocksAreCountedAndGivenBack() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 0))
    defer { hp_arena_release(arena) }
    let a = hp_arena_map(arena, 10)
    let b = hp_arena_map(arena, 5000)
    XCTAssertEqual(hp_arena_live_blocks(arena), 2)
    XCTAssertEqual(hp_arena_mapped_bytes(arena), 4096 + 8192)
    hp_arena_unmap(arena, a, 10)
    hp_arena_unmap(arena, b, 5000)
    XCTAssertEqual(hp_arena_live_blocks(arena), 0)
    XCTAssertEqual(hp_arena_mapped_bytes(arena), 0)
    _ = hp_arena_bump(arena, 2 << 20, 8)  // bigger than a chunk: its own chunk
    XCTAssertEqual(hp_arena_mapped_bytes(arena), (2 << 20) + 4096)
    hp_arena_destroy(arena)
    XCTAssertEqual(hp_arena_mapped_bytes(arena), 0)
  }

  func testConcurrentBumpsNeverOverlap() throws {
    let arena = try XCTUnwrap(hp_arena_create(0, 64 * 1024))
    defer { hp_arena_release(arena) }
    let threads = 4, perThread = 5000
    var addresses = [[Int]](repeating: [], count: threads)
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      var mine = [Int]()
      mine.reserveCapacity(perThread)
      for _ in 0..<perThread { mine.append(Int(bitPattern: hp_arena_bump(arena, 24, 8))) }
      addresses[t] = mine
    }
    let all = addresses.flatMap { $0 }.sorted()
    XCTAssertEqual(all.count, threads * perThread)
    XCTAssertFalse(all.contains(0))
    for i in 1..<all.count { XCTAssertGreaterThanOrEqual(all[i] - all[i - 1], 24) }
  }
}
