/// The demo "service": handles numbered requests, each producing a response object that
/// goes into the cache (leak, fixed) or into a dictionary built for that request alone (churn).
final class Service {
  let mode: Mode
  let payloadBytes: Int
  let cache: ResponseCache
  private(set) var handled = 0
  /// Keeps churn mode's per-request work observable so that the optimizer cannot drop it.
  private(set) var checksum = 0

  init(mode: Mode, payloadBytes: Int, capacity: Int) {
    self.mode = mode
    self.payloadBytes = payloadBytes
    self.cache = ResponseCache(capacity: mode == .fixed ? capacity : nil)
  }

  /// Handles one request: builds the response and caches it.
  @inline(never)
  func handleRequest(_ id: Int) {
    // Keys longer than 15 UTF-8 bytes live on the heap, like real request paths.
    let key = "/api/v1/users/\(id)/profile"
    switch mode {
    case .leak, .fixed:
      let response = HeavyObject(id: id, payloadBytes: payloadBytes)
      cache.store(response, for: key)
    case .churn:
      checksum &+= buildScratchIndex(for: id, key: key)
    }
    handled += 1
  }

  /// Churn: a new dictionary per request, filled and thrown away.
  @inline(never)
  private func buildScratchIndex(for id: Int, key: String) -> Int {
    var scratch: [String: HeavyObject] = [:]
    for part in 0..<8 {
      scratch["\(key)#\(part)"] = HeavyObject(id: id &+ part, payloadBytes: payloadBytes / 8)
    }
    return scratch.count &+ (scratch[key + "#0"]?.payload.count ?? 0)
  }
}

/// What the cache does with old entries.
enum Mode: String, CaseIterable {
  /// Inserts on every request and never removes: memory grows without bound.
  case leak
  /// Evicts the oldest entry beyond the capacity: memory stays bounded.
  case fixed
  /// Builds a new dictionary per request and drops it: high allocation rate, flat memory.
  case churn
}
