// map-cases: small Swift programs, one per map bug, whose numbers are known from the code,
// for heapprof's map and growth reports. Run each under the runtime:
//   heapprof record -o DIR/case -- map-cases nested
// Each case writes a dump after every round (reason "round") and the runtime writes one
// more at exit. The expected numbers below are what the tests assert.
import Foundation
import HeapProfiler

/// Sessions whose fields are cleared on close, but whose entry in the registry is kept:
/// `removeAll(keepingCapacity: true)` instead of `sessions[id] = nil`.
///
/// Ground truth, per round: 500 sessions opened, 32 fields each, every field a 1,000-byte
/// `Data` (two allocations: its storage object and its bytes); then all 500 closed. After
/// round r: 500·r inner tables live, each of 64 buckets (32 entries need Swift's 75%
/// maximum load: 64 buckets hold at most 48), and every one of the 16,000·r fields freed.
/// The outer table holds 500·r keys.
final class Registry {
  var sessions: [UUID: [String: Data]] = [:]

  @inline(never)
  func open(_ id: UUID, fields: Int, bytes: Int) {
    var fieldsOfSession: [String: Data] = [:]
    for f in 0..<fields { fieldsOfSession["field-\(f)"] = Data(count: bytes) }
    sessions[id] = fieldsOfSession
  }

  @inline(never)
  func close(_ id: UUID) {
    // The bug: the session's table is emptied and kept.
    sessions[id]?.removeAll(keepingCapacity: true)
  }
}

/// A session object kept in a table of live sessions.
final class Session {
  let id: Int
  let state: [UInt8]
  init(id: Int) {
    self.id = id
    self.state = [UInt8](repeating: 1, count: 256)
  }
}

/// A table filled, then mostly emptied with `removeValue(forKey:)`: Swift's Dictionary
/// keeps its capacity.
///
/// Ground truth: 16,384 sessions inserted one by one (round 1): the table ends at 32,768
/// buckets (16,384 buckets hold at most 12,288); then all but 256 removed (round 2):
/// still 32,768 buckets, 256 live entries (0.8% occupied).
final class SessionTable {
  var live: [Int: Session] = [:]

  @inline(never)
  func admit(_ id: Int) { live[id] = Session(id: id) }

  @inline(never)
  func expire(_ id: Int) { live.removeValue(forKey: id) }
}

/// Indexes built from empty without `reserveCapacity`, used once and dropped.
///
/// Ground truth: 150 indexes of 4,096 `Int → Int` entries each. Each grows from 2 buckets
/// to 8,192 (4,096 buckets hold at most 3,072): 13 tables per index, 1,950 in all, none
/// live after the round; `reserveCapacity(4096)` would make one table per index.
@inline(never)
func buildIndex(_ n: Int, seed: Int) -> Int {
  var index: [Int: Int] = [:]
  for i in 0..<n { index[i &* 2_654_435_761 &+ seed] = i }
  return index.count
}

/// A Foundation dictionary used as a cache that nothing removes from.
///
/// Ground truth: 3 rounds of 2,000 requests; each stores an `NSData` of 1,000 bytes under an
/// `NSString` key; a dump after each round: 2,000·r entries live after round r.
final class LegacyCache {
  let entries = NSMutableDictionary()

  @inline(never)
  func store(_ id: Int) {
    entries.setObject(NSData(bytes: [UInt8](repeating: 7, count: 1000), length: 1000), forKey: "key-\(id)" as NSString)
  }
}

nonisolated(unsafe) var registry = Registry()
nonisolated(unsafe) var legacy = LegacyCache()
nonisolated(unsafe) var table = SessionTable()

func dump() {
  do {
    _ = try HeapProfiler.dump(reason: "round")
  } catch {
    FileHandle.standardError.write(Data("map-cases: \(error)\n".utf8))
    exit(2)
  }
}

@inline(never)
func runNested(rounds: Int) {
  for _ in 0..<rounds {
    let ids = (0..<500).map { _ in UUID() }
    for id in ids { registry.open(id, fields: 32, bytes: 1000) }
    for id in ids { registry.close(id) }
    dump()
  }
  print("sessions: \(registry.sessions.count), fields: \(registry.sessions.values.reduce(0) { $0 + $1.count })")
}

@inline(never)
func runShrink() {
  for id in 0..<16_384 { table.admit(id) }
  dump()
  for id in 256..<16_384 { table.expire(id) }
  dump()
  print("sessions: \(table.live.count)")
}

@inline(never)
func runStorm() {
  var total = 0
  for seed in 0..<150 { total += buildIndex(4096, seed: seed) }
  dump()
  print("entries indexed: \(total)")
}

@inline(never)
func runFoundation() {
  for round in 0..<3 {
    for i in 0..<2000 { legacy.store(round * 2000 + i) }
    dump()
  }
  print("entries: \(legacy.entries.count)")
}

let usage = "usage: map-cases nested|shrink|storm|foundation"
guard CommandLine.arguments.count == 2 else {
  FileHandle.standardError.write(Data("\(usage)\n".utf8))
  exit(2)
}
guard HeapProfiler.isRecording else {
  FileHandle.standardError.write(Data("map-cases: \(HeapProfilerError.notRecording)\n".utf8))
  exit(3)
}
switch CommandLine.arguments[1] {
case "nested": runNested(rounds: 3)
case "shrink": runShrink()
case "storm": runStorm()
case "foundation": runFoundation()
default:
  FileHandle.standardError.write(Data("map-cases: unknown case '\(CommandLine.arguments[1])'; \(usage)\n".utf8))
  exit(2)
}
