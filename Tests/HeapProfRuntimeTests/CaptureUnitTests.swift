import CUnwind
import HeapProfRuntime
import XCTest

/// The capture unit driven from Swift code (which keeps frame pointers): its frames are
/// libunwind's, its counters exact. The shapes that make the walk and libunwind differ
/// (no frame pointer, signal frames, threads) are in IntegrationTests.CaptureTests.
final class CaptureUnitTests: XCTestCase {
  private var arena: OpaquePointer!
  private var captured: UnsafeMutablePointer<UInt>!
  private var unwound: UnsafeMutablePointer<UInt>!

  override func setUpWithError() throws {
    arena = try XCTUnwrap(hp_arena_create(0, 0))
    captured = .allocate(capacity: 256)
    unwound = .allocate(capacity: 256)
  }

  override func tearDown() {
    captured.deallocate()
    unwound.deallocate()
    hp_arena_release(arena)
  }

  /// One stack, two ways, from one call site each: skip 2 drops take's and both's frames.
  @inline(never)
  private func take(
    _ how: Int, _ unit: OpaquePointer?, _ frames: UnsafeMutablePointer<UInt>,
    _ info: UnsafeMutablePointer<hp_stack_info>, skip: Int32
  ) -> Int32 {
    if how == 0 { return hp_capture_stack(unit, frames, 256, skip, info) }
    let raw = UnsafeMutableRawPointer(frames).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    return cunwind_backtrace(raw, 256, skip)
  }

  /// The capture's and libunwind's frames of the caller's stack, and the capture's info.
  @inline(never)
  private func both(_ unit: OpaquePointer?) -> (captured: [UInt], unwound: [UInt], info: hp_stack_info) {
    var info = hp_stack_info(), ignored = hp_stack_info()
    let n = take(0, unit, captured, &info, skip: 2)
    let m = take(1, unit, unwound, &ignored, skip: 2)
    return (
      Array(UnsafeBufferPointer(start: captured, count: Int(n))),
      Array(UnsafeBufferPointer(start: unwound, count: Int(m))), info
    )
  }

  func testWithoutTheWalkEveryCaptureIsLibunwinds() throws {
    let unit = try XCTUnwrap(hp_capture_create(arena, 8, 0))
    for round in 1...5 {
      let (c, u, info) = both(unit)
      XCTAssertGreaterThan(c.count, 2, "round \(round)")
      XCTAssertEqual(c, u, "round \(round)")
      XCTAssertEqual(info.verified, 0, "round \(round)")
      XCTAssertEqual(info.id, HP_STACK_NONE, "round \(round)")
    }
    XCTAssertEqual(hp_capture_unwound(unit), 5)
    XCTAssertEqual(hp_capture_trusted(unit), 0, "nothing learned without the walk")
  }

  func testWithTheWalkEveryCaptureIsStillLibunwindsFrameForFrame() throws {
    let unit = try XCTUnwrap(hp_capture_create(arena, 8, 1))
    var verified: UInt64 = 0
    var ids = Set<UInt32>()
    for round in 1...5 {
      let (c, u, info) = both(unit)
      XCTAssertGreaterThan(c.count, 2, "round \(round)")
      XCTAssertEqual(c, u, "round \(round)")
      if info.verified == 1 {
        verified += 1
        XCTAssertNotEqual(info.id, HP_STACK_NONE, "a verified stack has its trusted id")
      }
      if info.id != HP_STACK_NONE { ids.insert(info.id) }
    }
    XCTAssertEqual(hp_capture_unwound(unit) + verified, 5, "each capture is verified or libunwind's")
    XCTAssertLessThanOrEqual(ids.count, 1, "one stack, at most one trusted id")
    XCTAssertEqual(hp_capture_trusted(unit), UInt64(ids.count))
  }

  func testSkipDropsTheInnermostFrames() throws {
    let unit = try XCTUnwrap(hp_capture_create(arena, 8, 1))
    var info = hp_stack_info()
    var stacks: [Int32: [UInt]] = [:]
    for skip: Int32 in [1, 0] {  // one call site for both
      let n = take(0, unit, captured, &info, skip: skip)
      stacks[skip] = Array(UnsafeBufferPointer(start: captured, count: Int(n)))
    }
    let zero = try XCTUnwrap(stacks[0]), one = try XCTUnwrap(stacks[1])
    XCTAssertEqual(zero.count, one.count + 1)
    XCTAssertEqual(Array(zero.dropFirst()), one, "skip 1 drops take's frame, the rest is the same")
    XCTAssertEqual(hp_capture_stack(unit, captured, 0, 0, &info), 0, "no room, no frames")
  }
}
