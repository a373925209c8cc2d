// leak-check-example: shows HeapProfiler.checkLeaks on a planted leak and on code that
// cleans up after itself. Run it under the runtime:
//   heapprof record --no-exit-dump -- leak-check-example
// Without the runtime it says so and exits with status 3.
import Foundation
import HeapLeakCheck
import HeapProfiler

/// A registry that code forgets to clean: the planted leak.
nonisolated(unsafe) var registry: [String: [UInt8]] = [:]

@inline(never)
func registerSession(_ n: Int) {
  registry["session-\(n)-with-a-long-identifier"] = [UInt8](repeating: 1, count: 1000)
}

@inline(never)
func leakyRequest() {
  for i in 0..<100 { registerSession(registry.count + i) }
}

@inline(never)
func cleanRequest() {
  var scratch: [String: [UInt8]] = [:]
  for i in 0..<100 { scratch["scratch-\(i)-with-a-long-identifier"] = [UInt8](repeating: 2, count: 1000) }
  precondition(scratch.count == 100)
}

guard HeapProfiler.isRecording else {
  FileHandle.standardError.write(Data("leak-check-example: \(HeapProfilerError.notRecording)\n".utf8))
  exit(3)
}
do {
  let leaky = try HeapProfiler.checkLeaks(iterations: 3) { leakyRequest() }
  print(
    "leaky: clean=\(leaky.isClean) objects=\(leaky.objectsLeaked) bytes=\(leaky.bytesLeaked) through-registerSession=\(leaky.hasLeak(through: "registerSession"))"
  )
  print(leaky)
  let clean = try HeapProfiler.checkLeaks(iterations: 3) { cleanRequest() }
  print("clean: clean=\(clean.isClean) objects=\(clean.objectsLeaked) bytes=\(clean.bytesLeaked)")
  print(clean)
  if let stats = HeapProfiler.stats {
    print("stats: sites=\(stats.sites) inuse_bytes=\(stats.inuseBytes) dropped=\(stats.dropped)")
  }
} catch {
  FileHandle.standardError.write(Data("leak-check-example: \(error)\n".utf8))
  exit(2)
}
