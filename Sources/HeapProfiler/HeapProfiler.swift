import CHeapProfAPI
import Foundation
import HeapProfile
import HeapLeakAnalysis
import Symbolization

/// HeapProfiler lets a Swift program control the heapprof runtime it runs under: ask
/// whether it is recording, read totals, write a dump now, and check a region of code for
/// leaks in the spirit of gperftools' HeapLeakChecker.
///
/// The runtime is `libheapprof.so`, preloaded by `heapprof record`. Without it every call
/// here is harmless: ``isRecording`` is false, ``stats`` is nil and the others throw
/// ``HeapProfilerError/notRecording``.
public enum HeapProfiler {
  /// Whether the process runs under the heapprof runtime with recording on.
  public static var isRecording: Bool { heapprof_api_is_active() == 1 }

  /// Totals of what the runtime recorded so far; nil when not recording.
  public static var stats: Stats? {
    var raw = heapprof_stats()
    guard heapprof_api_get_stats(&raw) == 0 else { return nil }
    return Stats(raw)
  }

  /// Writes a heap dump now.
  /// - Parameters:
  ///   - path: the file to write; nil for the next numbered dump `PREFIX.<pid>.<seq>.heap`.
  ///   - reason: written into the dump's metadata.
  /// - Returns: the path of the dump.
  /// - Throws: ``HeapProfilerError`` when not recording or when the dump cannot be written.
  @discardableResult
  public static func dump(to path: String? = nil, reason: String = "api") throws -> String {
    guard isRecording else { throw HeapProfilerError.notRecording }
    var buffer = [CChar](repeating: 0, count: 4096)
    let rc: Int32 =
      if let path {
        heapprof_api_dump(path, reason, &buffer, buffer.count)
      } else {
        heapprof_api_dump(nil, reason, &buffer, buffer.count)
      }
    guard rc == 0 else {
      throw HeapProfilerError.dumpFailed(path ?? "next numbered dump", String(cString: strerror(errno)))
    }
    return String(cString: buffer)
  }

  /// Runs `body` and reports the allocation sites whose in-use memory grew.
  ///
  /// `body` runs once first (so that lazy initialisation and caches that fill once do not
  /// count), then the live heap is recorded, then `body` runs `iterations` more times and
  /// the heap is compared. A site that leaks on every run shows `iterations` times its
  /// per-run growth.
  /// - Returns: the sites that grew, largest first, with symbolized stacks.
  /// - Throws: ``HeapProfilerError/notRecording`` without the runtime; dump or parse errors.
  public static func checkLeaks(
    iterations: Int = 1, warmUp: Bool = true, _ body: () throws -> Void
  ) throws -> LeakCheck {
    guard isRecording else { throw HeapProfilerError.notRecording }
    let dir = FileManager.default.temporaryDirectory.path
    let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    // Both paths exist before the first dump, so that nothing this function allocates
    // between the dumps is still live at the second one.
    let before = "\(dir)/heapprof-leakcheck-\(tag)-before.heap"
    let after = "\(dir)/heapprof-leakcheck-\(tag)-after.heap"
    defer {
      unlink(before)
      unlink(after)
    }
    if warmUp { try body() }
    try dump(to: before, reason: "leak-check-start")
    for _ in 0..<max(1, iterations) { try body() }
    try dump(to: after, reason: "leak-check-end")
    return try LeakCheck.compare(before: before, after: after, iterations: max(1, iterations))
  }
}

/// Totals of the runtime's records (sampled counts when sampling).
public struct Stats: Sendable, Equatable {
  public var allocCount: UInt64
  public var allocBytes: UInt64
  public var freeCount: UInt64
  public var freeBytes: UInt64
  public var inuseCount: UInt64
  public var inuseBytes: UInt64
  /// Distinct allocation stacks.
  public var sites: UInt64
  /// Mean bytes between samples; 0 when every allocation is recorded.
  public var sampleRate: UInt64
  public var dumpsWritten: UInt64

  init(_ s: heapprof_stats) {
    allocCount = s.alloc_count
    allocBytes = s.alloc_bytes
    freeCount = s.free_count
    freeBytes = s.free_bytes
    inuseCount = s.inuse_count
    inuseBytes = s.inuse_bytes
    sites = s.sites
    sampleRate = s.sample_rate
    dumpsWritten = s.dumps_written
  }
}

/// Why a HeapProfiler call failed.
public enum HeapProfilerError: Error, CustomStringConvertible, Equatable {
  /// The process does not run under the heapprof runtime.
  case notRecording
  /// The runtime could not write the dump (path, reason).
  case dumpFailed(String, String)

  public var description: String {
    switch self {
    case .notRecording:
      return "heapprof is not recording this process: run it with `heapprof record -- PROGRAM` "
        + "(or preload libheapprof.so and set HEAPPROF_OUT)"
    case .dumpFailed(let path, let reason): return "heapprof could not write \(path): \(reason)"
    }
  }
}
