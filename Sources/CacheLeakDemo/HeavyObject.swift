/// A cached response: an identifier and a payload buffer that lives on the heap.
///
/// Each instance owns two heap allocations made on the request path: the object itself
/// (`swift_allocObject`) and its payload array storage, whose size is the `--payload`
/// option. A cache that never evicts keeps both alive forever.
final class HeavyObject {
  let id: Int
  let payload: [UInt8]

  @inline(never)
  init(id: Int, payloadBytes: Int) {
    self.id = id
    // One allocation of exactly `payloadBytes` element bytes, filled so that the pages are real.
    self.payload = [UInt8](repeating: UInt8(truncatingIfNeeded: id), count: payloadBytes)
  }
}
