import Foundation
import HeapProfTestSupport
import XCTest

/// The capture unit (hp_capture.h) against libunwind, frame for frame, on compiled programs:
/// Programs/capture_probe.c, linked with the runtime's sources at -O2 with frame pointers
/// (as tools/build-runtime.sh builds them), probes stacks of known shapes on the main
/// thread and on four threads at once.
final class CaptureTests: XCTestCase {
  /// One probe line of capture_probe.
  struct Probe {
    var shape: String
    var thread: Int
    var round: Int
    var agree: Bool
    var verified: Bool
    var walkPrefix: Bool
    var depth: Int
  }

  /// Shapes whose stacks the frame-pointer walk sees whole.
  static let walkable = ["flat", "deep", "deeper", "mutual", "inlined"]
  /// Shapes where the walk misses a frame: a function without frame pointer, a signal frame.
  static let unwalkable = ["nofp", "signal"]

  typealias Run = (probes: [Probe], unwound: Int, trusted: Int)

  /// One run shared by the tests of this class (compiling the runtime takes seconds).
  private static var shared: Result<Run, Error>?

  func runProbe() throws -> Run {
    if let shared = Self.shared { return try shared.get() }
    let result = Result { try Self.compileAndRun() }
    Self.shared = result
    return try result.get()
  }

  /// Compiles capture_probe.c with the runtime (not preloaded), runs it, parses its lines.
  static func compileAndRun() throws -> Run {
    let dir = try RuntimeHarness.temporaryDirectory("capture")
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = packageRoot().appendingPathComponent("Sources")
    let runtime = root.appendingPathComponent("HeapProfRuntime"), unwind = root.appendingPathComponent("CUnwind")
    let sources = try [runtime, unwind].flatMap { d in
      try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasSuffix(".c") }.sorted()
        .map { d.appendingPathComponent($0).path }
    }
    let source = try RuntimeHarness.programSource("capture_probe.c", into: dir)
    let program = dir.appendingPathComponent("capture_probe").path
    let args =
      [
        "-std=gnu11", "-O2", "-g", "-fno-omit-frame-pointer", "-D_GNU_SOURCE", "-DUNW_LOCAL_ONLY",
        "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror",
        "-I", runtime.appendingPathComponent("include").path, "-I", runtime.path,
        "-I", unwind.appendingPathComponent("include").path,
        "-o", program, source.path,
      ] + sources + ["-lunwind", "-lpthread", "-ldl"]
    let cc = try runProgram("/usr/bin/cc", args)
    guard cc.status == 0 else {
      throw RuntimeHarnessError(description: "cc \(args.joined(separator: " ")) failed:\n\(cc.stderr)")
    }
    let r = try runProgram(program, [], removing: ["LD_PRELOAD"])
    guard r.status == 0, r.stderr.isEmpty else {
      throw RuntimeHarnessError(description: "capture_probe exited \(r.status):\n\(r.stderr)")
    }
    var lines = r.stdout.split(separator: "\n").map(String.init)
    let last = try XCTUnwrap(lines.popLast())
    let totals = last.split(separator: " ").map { $0.split(separator: "=") }
    guard totals.count == 2, totals[0].first == "unwound", totals[1].first == "trusted",
      let unwound = Int(totals[0][1]), let trusted = Int(totals[1][1])
    else { throw RuntimeHarnessError(description: "bad last line '\(last)'") }
    let probes = try lines.map { line -> Probe in
      let w = line.split(separator: " ").map(String.init)
      func flag(_ i: Int, _ key: String) throws -> Int {
        guard w.count == 7, w[i].hasPrefix(key + "="), let v = Int(w[i].dropFirst(key.count + 1)) else {
          throw RuntimeHarnessError(description: "bad probe line '\(line)'")
        }
        return v
      }
      guard let thread = Int(w[1]), let round = Int(w[2]) else {
        throw RuntimeHarnessError(description: "bad probe line '\(line)'")
      }
      return Probe(
        shape: w[0], thread: thread, round: round, agree: try flag(3, "agree") == 1,
        verified: try flag(4, "verified") == 1, walkPrefix: try flag(5, "walk_prefix") == 1,
        depth: try flag(6, "depth"))
    }
    return (probes, unwound, trusted)
  }

  func testCaptureIsLibunwindsStackFrameForFrameOnEveryShapeAndThread() throws {
    let (probes, unwound, trusted) = try runProbe()
    // 7 shapes x 3 rounds on the main thread and on each of 4 threads.
    XCTAssertEqual(probes.count, 7 * 3 * 5)
    for p in probes {
      XCTAssertTrue(p.agree, "\(p.shape) thread \(p.thread) round \(p.round): capture differs from libunwind")
      XCTAssertGreaterThan(p.depth, 0, "\(p.shape)")
    }
    // The shapes are what they say: depths relative to the flat stack of the same thread.
    for thread in 0...4 {
      let mine = probes.filter { $0.thread == thread && $0.round == 1 }
      let depth = Dictionary(uniqueKeysWithValues: mine.map { ($0.shape, $0.depth) })
      let flat = try XCTUnwrap(depth["flat"])
      XCTAssertEqual(depth["deep"], flat + 100, "thread \(thread)")
      XCTAssertEqual(depth["deeper"], 256, "cut at 256 frames, thread \(thread)")
      XCTAssertEqual(depth["mutual"], flat + 20, "thread \(thread)")
      XCTAssertEqual(depth["inlined"], flat, "inlined functions have no frames, thread \(thread)")
      XCTAssertEqual(depth["nofp"], flat + 1, "thread \(thread)")
      XCTAssertEqual(depth["signal"], flat + 2, "handler and signal trampoline, thread \(thread)")
    }
    // Libunwind was asked exactly for the captures that were not verified.
    XCTAssertEqual(unwound, probes.filter { !$0.verified }.count)
    // Trusted: the 5 walkable stacks of the main thread, and those of the threads (one set:
    // the threads run the same code; `deeper`, cut at 256 recursive frames, is the same
    // stack everywhere).
    XCTAssertEqual(trusted, 9)
  }

  func testWalkableStacksAreVerifiedFromTheSecondCaptureOn() throws {
    let (probes, _, _) = try runProbe()
    for p in probes where Self.walkable.contains(p.shape) {
      XCTAssertTrue(p.walkPrefix, "\(p.shape) thread \(p.thread) round \(p.round): the walk saw every frame")
      if p.round >= 2 {
        XCTAssertTrue(p.verified, "\(p.shape) thread \(p.thread) round \(p.round): learned in round 1")
      }
      if p.thread == 0 && p.round == 1 {
        XCTAssertFalse(p.verified, "\(p.shape): never seen before, so libunwind's")
      }
    }
  }

  func testCaptureReturnsLibunwindsFramesWhenTheWalkMissesAFrame() throws {
    let (probes, _, _) = try runProbe()
    let missing = probes.filter { Self.unwalkable.contains($0.shape) }
    XCTAssertEqual(missing.count, 2 * 3 * 5)
    for p in missing {
      XCTAssertFalse(
        p.walkPrefix, "\(p.shape) thread \(p.thread) round \(p.round): the bare walk differs from libunwind")
      XCTAssertFalse(p.verified, "\(p.shape) thread \(p.thread) round \(p.round): never trusted")
      XCTAssertTrue(p.agree, "\(p.shape) thread \(p.thread) round \(p.round): libunwind's frames, not the walk's")
    }
  }
}
