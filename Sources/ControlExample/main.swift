// control-example: a program that controls the heapprof runtime from inside with
// HeapProfiler alone (no analyzer library is linked into it). Run it under the runtime:
//   heapprof record -- control-example
// It keeps 100 blocks of 1000 bytes, writes a dump with reason "checkpoint", pauses
// recording while it makes 50 more, and prints the runtime's totals.
import Foundation
import HeapProfiler

nonisolated(unsafe) var kept: [[UInt8]] = []

@inline(never)
func keepBlocks(_ n: Int) {
  for _ in 0..<n { kept.append([UInt8](repeating: 7, count: 1000)) }
}

guard HeapProfiler.isRecording else {
  FileHandle.standardError.write(Data("control-example: \(HeapProfilerError.notRecording)\n".utf8))
  exit(3)
}
do {
  kept.reserveCapacity(200)
  keepBlocks(100)
  print("dump: \(try HeapProfiler.dump(reason: "checkpoint"))")
  try HeapProfiler.withRecordingPaused { keepBlocks(50) }
  if let stats = HeapProfiler.stats { print("stats: dumps=\(stats.dumpsWritten) dropped=\(stats.dropped)") }
} catch {
  FileHandle.standardError.write(Data("control-example: \(error)\n".utf8))
  exit(2)
}
