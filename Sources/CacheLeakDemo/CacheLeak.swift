import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// Set by SIGINT/SIGTERM so that `--serve` stops cleanly and the exit dump is written.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

/// The running service. A real service lives until the process exits; keeping it in a
/// global means the exit dump still sees everything its cache holds.
nonisolated(unsafe) var runningService: Service?

/// `cache-leak`: reproduces the forgotten-delete cache leak for heapprof's demo.
@main
struct CacheLeak: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cache-leak",
    abstract: "Reproduce the forgotten-delete leak: a [String: HeavyObject] cache that only grows.",
    discussion: """
      Every request builds a HeavyObject with a payload of --payload bytes. In `leak` mode \
      it goes into a dictionary cache that nothing ever removes from; `fixed` evicts the \
      oldest entry beyond --capacity; `churn` builds a new dictionary per request instead.

      Record it and look at the leak:
        heapprof record -- cache-leak --mode leak --requests 2000
        heapprof top heapprof.cache-leak.*.heap

      Or keep it serving and take snapshots while it grows:
        heapprof record -- cache-leak --serve 30 --rate 200 &
        heapprof snapshot PID      (three times, a few seconds apart)
        heapprof growth heapprof.cache-leak.PID.*.heap
      """
  )

  @Option(help: "What the cache does with old entries: leak, fixed or churn.")
  var mode: Mode = .leak

  @Option(help: "Requests to handle before exiting (ignored with --serve).")
  var requests: Int = 1000

  @Option(help: "Bytes of payload per cached response.")
  var payload: Int = 4096

  @Option(help: "Entries kept by the fixed cache before it evicts.")
  var capacity: Int = 100

  @Option(help: "Keep serving for this many seconds instead of a fixed number of requests.")
  var serve: Double?

  @Option(help: "Requests per second while serving.")
  var rate: Int = 100

  @Flag(help: "Print no progress lines.")
  var quiet = false

  func validate() throws {
    guard requests >= 0 else { throw ValidationError("--requests must be 0 or more") }
    guard payload >= 0 else { throw ValidationError("--payload must be 0 or more") }
    guard capacity > 0 else { throw ValidationError("--capacity must be at least 1") }
    guard rate > 0 else { throw ValidationError("--rate must be at least 1") }
    if let serve, !(serve > 0) { throw ValidationError("--serve must be a positive number of seconds") }
  }

  func run() throws {
    let service = Service(mode: mode, payloadBytes: payload, capacity: capacity)
    runningService = service
    setvbuf(stdout, nil, _IOLBF, 0)
    if let serve {
      signal(SIGINT) { _ in stopRequested = 1 }
      signal(SIGTERM) { _ in stopRequested = 1 }
      print(
        "cache-leak pid \(getpid()): mode \(mode.rawValue), serving \(rate) requests/s of \(payload) bytes for \(serve) s"
      )
      serveLoop(service, seconds: serve)
    } else {
      print("cache-leak pid \(getpid()): mode \(mode.rawValue), handling \(requests) requests of \(payload) bytes")
      for id in 0..<requests { service.handleRequest(id) }
    }
    print(
      "cache-leak: handled \(service.handled) requests; cache holds \(service.cache.count) entries (checksum \(service.checksum))"
    )
  }

  /// Handles `rate` requests per second in 10 ms ticks until `seconds` pass or a stop signal.
  private func serveLoop(_ service: Service, seconds: Double) {
    let start = monotonicSeconds()
    var nextReport = start + 1
    var id = 0
    while stopRequested == 0 {
      let now = monotonicSeconds()
      let elapsed = now - start
      if elapsed >= seconds { break }
      let due = Int(elapsed * Double(rate))
      while id < due {
        service.handleRequest(id)
        id += 1
      }
      if !quiet && now >= nextReport {
        print("cache-leak: \(Int(elapsed)) s, \(service.handled) requests, cache holds \(service.cache.count) entries")
        nextReport += 1
      }
      usleep(10_000)
    }
  }
}

func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension Mode: ExpressibleByArgument {}
