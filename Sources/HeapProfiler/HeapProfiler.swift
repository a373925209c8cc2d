import CHeapProfAPI
import Foundation

/// HeapProfiler lets a Swift program control the heapprof runtime it runs under: ask
/// whether it is recording, read totals, write a dump now, pause and resume recording.
/// It is a thin layer over the runtime's C API (CHeapProfAPI) and links nothing else:
/// no protobuf, zlib or DWARF reader ends up in the program. Leak checks of a region of
/// code, which read the dumps back, live in the optional `HeapLeakCheck` library.
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

  /// Pauses (false) or resumes (true) the recording of new allocations on every thread;
  /// frees of recorded allocations are always credited.
  /// - Returns: whether recording was on before.
  /// - Throws: ``HeapProfilerError/notRecording`` without the runtime.
  @discardableResult
  public static func setEnabled(_ enabled: Bool) throws -> Bool {
    let previous = heapprof_api_set_enabled(enabled ? 1 : 0)
    guard previous >= 0 else { throw HeapProfilerError.notRecording }
    return previous == 1
  }

  /// Runs `body` with recording paused (what it allocates is not recorded), then puts
  /// recording back as it was.
  /// - Throws: ``HeapProfilerError/notRecording`` without the runtime, or what `body` throws.
  public static func withRecordingPaused<T>(_ body: () throws -> T) throws -> T {
    let previous = try setEnabled(false)
    defer { _ = try? setEnabled(previous) }
    return try body()
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
  /// Allocations the runtime could not record (a table was full, or no stack was found).
  public var dropped: UInt64
  /// Stacks captured by libunwind; the others came from the frame-pointer walk, verified
  /// against libunwind before (all of them with `HEAPPROF_FP_WALK=0`).
  public var stacksUnwound: UInt64

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
    dropped = s.dropped
    stacksUnwound = s.stacks_unwound
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
