/// The cache of the demo service: `[String: HeavyObject]`, keyed by request path.
///
/// In `leak` mode nothing is ever removed (the forgotten delete); in `fixed` mode the
/// oldest entries are evicted once `capacity` is reached.
final class ResponseCache {
  private(set) var entries: [String: HeavyObject] = [:]
  private var insertionOrder: [String] = []
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
    insertionOrder.append(key)
    if entries.count > capacity {
      evictOldest()
    }
  }

  /// Removes the oldest entry (first in, first out).
  @inline(never)
  private func evictOldest() {
    let key = insertionOrder[oldest]
    entries.removeValue(forKey: key)
    oldest += 1
    // Compact the order list now and then so that it stays bounded too.
    if oldest > 4096 && oldest * 2 > insertionOrder.count {
      insertionOrder.removeFirst(oldest)
      oldest = 0
    }
  }
}
