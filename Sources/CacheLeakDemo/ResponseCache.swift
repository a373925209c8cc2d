/// The cache of the demo service: `[String: HeavyObject]`, keyed by request path.
///
/// In `leak` mode nothing is ever removed (the forgotten delete); in `fixed` mode the
/// oldest entries are evicted once `capacity` is reached.
final class ResponseCache {
  private(set) var entries: [String: HeavyObject] = [:]
  /// Keys in insertion order, as a ring of `capacity` slots: the slot of the oldest key is
  /// reused for the newest, so the fixed cache holds no more than `capacity` keys either.
  private var ring: [String] = []
  private var oldest = 0
  let capacity: Int?

  /// - Parameter capacity: nil for an unbounded cache (the leak), else the number of
  ///   entries kept before the oldest is evicted.
  init(capacity: Int?) {
    self.capacity = capacity
  }

  var count: Int { entries.count }

  /// Inserts `object` under `key`. The leak: without a capacity, nothing ever removes it.
  @inline(never)
  func store(_ object: HeavyObject, for key: String) {
    entries[key] = object
    guard let capacity else { return }
    if ring.count < capacity {
      ring.append(key)
    } else {
      evictOldest(replacingWith: key)
    }
  }

  /// Removes the oldest entry (first in, first out) and puts `key` in its ring slot.
  @inline(never)
  private func evictOldest(replacingWith key: String) {
    entries.removeValue(forKey: ring[oldest])
    ring[oldest] = key
    oldest = (oldest + 1) % ring.count
  }
}
