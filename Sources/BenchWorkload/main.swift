// bench-workload: the allocation-heavy Swift program that tools/bench runs under each heap
// profiler. It models the leak heapprof is built to find: a cache dictionary that only
// grows, next to short-lived dictionaries and dictionaries that rehash as they grow.
// Deterministic (no clock, no randomness): every run makes the same allocations.
#if canImport(Glibc)
  import Glibc
#endif

let help = """
  USAGE: bench-workload [--threads N] [--scale K] [--reads R] [--quiet]
         bench-workload --micro [--depth D] [--live L] [--count C]

  Runs three phases on each of N threads (each thread does the full work, with its own
  dictionaries), K rounds each (default 1, about 3.8 million allocations per thread):

    1. leak   inserts 200,000 entries (a 24-byte String key, a 64-byte class payload
              holding a 40-byte String) into a [String: Payload] cache that is never
              emptied: the leaking site. Its storage rehashes about 18 times as it grows.
              Before each insert the request reads the cache R times (lookups of the 64
              most recent keys; no allocation): the work a service does between
              allocations. R = 0 (the default) is the allocation-dense variant, about
              6.6 million allocations per second on a 2-core EPYC; R = 60 slows it to
              the 2.5 million per second of the workload that the performance targets
              (issue 5) were set on. tools/bench runs both.
    2. churn  builds 64,000 short-lived [Int: Payload] dictionaries of 8 entries each,
              sums them and drops them: heavy alloc/free traffic, nothing stays live.
    3. grow   builds 250 dictionaries of 4,000 String keys each, without reserving
              capacity (every doubling rehashes into new storage), then drops them.

  At the end the program prints one line per thread: the cache count and a checksum, so
  that the optimizer cannot drop any phase.

  --micro measures one thing instead: at call depth D (default 8 frames above main), it
  first makes L live 64-byte allocations (default 10,000), then C times (default
  2,000,000) frees the oldest and allocates a new one, and prints the nanoseconds per
  free+malloc pair of that loop only (setup excluded). tools/bench runs it with and
  without a profiler: the difference is the per-allocation overhead.

  OPTIONS:
    --threads N   worker threads (default 1)
    --scale K     rounds of the three phases per thread (default 1)
    --reads R     cache reads per request in phase 1 (default 0)
    --quiet       print nothing
    -h, --help    show this help
  """

/// One cached value: a class instance (one swift_allocObject) holding a heap String.
final class Payload {
  let id: Int
  let label: String
  let weights: (Int, Int, Int)
  init(id: Int, label: String) {
    self.id = id
    self.label = label
    self.weights = (id, id &* 3, id &* 7)
  }
}

/// The never-emptied cache of phase 1; one per thread, kept alive until exit.
final class Cache {
  var entries: [String: Payload] = [:]
}

func leakPhase(_ cache: Cache, thread: Int, round: Int, reads: Int) -> Int {
  var sum = 0
  // The keys of the last 64 requests: what the reads look up (retained, never copied).
  var recent = [String](repeating: "", count: 64)
  for i in 0..<200_000 {
    let key = "request-key-\(thread)-\(round)-\(i)-padding"  // > 15 bytes: heap String
    for r in 0..<reads {
      if let hit = cache.entries[recent[(i &+ r &* 7) & 63]] { sum &+= hit.id }
    }
    let payload = Payload(id: i, label: "payload for request number \(i) of the cache")
    cache.entries[key] = payload
    recent[i & 63] = key
    sum &+= payload.id
  }
  return sum
}

func churnPhase(round: Int) -> Int {
  var sum = 0
  for i in 0..<64_000 {
    var scratch: [Int: Payload] = [:]
    for j in 0..<8 { scratch[i &* 8 &+ j] = Payload(id: j, label: "") }
    for (_, value) in scratch { sum &+= value.id }
  }
  return sum &+ round
}

func growPhase(round: Int) -> Int {
  var sum = 0
  for i in 0..<250 {
    var table: [String: Int] = [:]
    for j in 0..<4_000 { table["grow-key-\(j)-\(i)-xxxxxxxx"] = j }
    sum &+= table.count
  }
  return sum &+ round
}

/// Recurses `depth` frames deep (never inlined, so every level is a real frame), then
/// runs the micro loop there.
@inline(never)
func descend(_ depth: Int, live: Int, count: Int) -> (Double, Int) {
  if depth > 1 {
    // Not a tail call (the result is changed after it returns), so every level stays a frame.
    let (ns, sum) = descend(depth - 1, live: live, count: count)
    return (ns, sum &+ depth)
  }
  var ring = [UnsafeMutableRawPointer?](repeating: nil, count: live)
  for i in 0..<live { ring[i] = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8) }
  var start = timespec()
  var end = timespec()
  clock_gettime(CLOCK_MONOTONIC, &start)
  var slot = 0
  var sum = 0
  for i in 0..<count {
    ring[slot]!.deallocate()
    let p = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    p.storeBytes(of: i, as: Int.self)
    sum &+= Int(bitPattern: p) & 1
    ring[slot] = p
    slot += 1
    if slot == live { slot = 0 }
  }
  clock_gettime(CLOCK_MONOTONIC, &end)
  for p in ring { p!.deallocate() }
  let ns = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
  return (ns / Double(count), sum)
}

/// Everything one worker thread does; returns its checksum line.
func work(thread: Int, scale: Int, reads: Int) -> (Int, Int) {
  let cache = Cache()
  var checksum = 0
  for round in 0..<scale {
    checksum &+= leakPhase(cache, thread: thread, round: round, reads: reads)
    checksum &+= churnPhase(round: round)
    checksum &+= growPhase(round: round)
  }
  keepAlive.append(cache)  // the leak: reachable until exit, never emptied
  return (cache.entries.count, checksum)
}

nonisolated(unsafe) var keepAlive: [Cache] = []
nonisolated(unsafe) var results: [(Int, Int)] = []
nonisolated(unsafe) var lock = pthread_mutex_t()

var threads = 1
var scale = 1
var reads = 0
var quiet = false
var micro = false
var depth = 8
var live = 10_000
var count = 2_000_000
var arguments = CommandLine.arguments.dropFirst()
func fail(_ message: String) -> Never {
  fputs("bench-workload: \(message)\n\(help)\n", stderr)
  exit(2)
}
while let argument = arguments.popFirst() {
  switch argument {
  case "-h", "--help":
    print(help)
    exit(0)
  case "--threads", "--scale":
    guard let text = arguments.popFirst(), let value = Int(text), value >= 1, value <= 64 else {
      fail("\(argument) needs a whole number from 1 to 64")
    }
    if argument == "--threads" { threads = value } else { scale = value }
  case "--reads":
    guard let text = arguments.popFirst(), let value = Int(text), value >= 0, value <= 1_000 else {
      fail("--reads needs a whole number from 0 to 1000")
    }
    reads = value
  case "--depth", "--live", "--count":
    guard let text = arguments.popFirst(), let value = Int(text), value >= 1,
      value <= 100_000_000
    else {
      fail("\(argument) needs a whole number from 1 to 100000000")
    }
    if argument == "--depth" { depth = value } else if argument == "--live" { live = value } else { count = value }
  case "--micro":
    micro = true
  case "--quiet":
    quiet = true
  default:
    fail("unknown argument '\(argument)'")
  }
}

pthread_mutex_init(&lock, nil)
if micro {
  let (ns, sum) = descend(depth, live: live, count: count)
  let centi = Int((ns * 100).rounded())
  let fraction = centi % 100 < 10 ? "0\(centi % 100)" : "\(centi % 100)"
  print("ns per free+malloc \(centi / 100).\(fraction) (checksum \(sum))")
  exit(0)
}
if threads == 1 {
  results.append(work(thread: 0, scale: scale, reads: reads))
} else {
  var handles: [pthread_t] = []
  for t in 0..<threads {
    var handle = pthread_t()
    let box = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    box.pointee = t
    let rc = pthread_create(
      &handle, nil,
      { raw in
        let index = raw!.assumingMemoryBound(to: Int.self)
        let result = work(thread: index.pointee, scale: scale, reads: reads)
        pthread_mutex_lock(&lock)
        results.append(result)
        pthread_mutex_unlock(&lock)
        index.deallocate()
        return nil
      }, box)
    if rc != 0 { fail("pthread_create failed (\(rc))") }
    handles.append(handle)
  }
  for handle in handles { pthread_join(handle, nil) }
}
if !quiet {
  for (count, checksum) in results.sorted(by: { $0.1 < $1.1 }) {
    print("cache entries \(count), checksum \(checksum)")
  }
}
