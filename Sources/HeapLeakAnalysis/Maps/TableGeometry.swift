import Foundation
import HeapProfile

/// How big a map's tables are: bucket counts from allocation sizes, and how many resizes
/// one map's life took, from what a heap profile keeps (bytes and counts per stack).
///
/// ABI facts it rests on (Swift 6 on 64-bit Linux, stdlib `_HashTable`/`_DictionaryStorage`):
/// a native `Dictionary`/`Set` table is one object of a 64-byte header (object header,
/// count, capacity, scale, age, seed, keys and values pointers), then a bitmap of one
/// 64-bit word per 64 buckets, then the keys, then the values, each inline at its stride;
/// the bucket count is a power of two, at most 3/4 of the buckets are used before a resize,
/// and a map grown from empty allocates one table per scale from 2 buckets up. Node-based
/// tables (libstdc++, redis) are arrays of 8-byte bucket heads (``MapKind/bytesPerBucket``).
enum TableGeometry {
  /// Bytes of a native Swift table object before its bitmap.
  static let swiftHeaderBytes: Int64 = 64

  /// Stride in bytes of types whose layout is fixed and public, by the short names the
  /// reports print (``SymbolName/shortTypeName``). Classes, arrays and other containers
  /// are one reference; unknown structs are not guessed.
  static let knownStrides: [String: Int64] = [
    "Int": 8, "UInt": 8, "Int64": 8, "UInt64": 8, "Double": 8, "Float64": 8, "Int32": 4, "UInt32": 4,
    "Float": 4, "Float32": 4, "Int16": 2, "UInt16": 2, "Int8": 1, "UInt8": 1, "Bool": 1, "String": 16,
    "Substring": 32, "Character": 16, "Data": 16, "UUID": 16, "Date": 8, "ObjectIdentifier": 8,
    "AnyObject": 8, "NSObject": 8, "NSString": 8,
  ]

  /// The stride of `type` when the name says it: a known type, or a stdlib container
  /// (one reference).
  static func stride(of type: String) -> Int64? {
    if let s = knownStrides[type] { return s }
    for container in ["Array<", "ContiguousArray<", "Dictionary<", "Set<"] where type.hasPrefix(container) {
      return 8
    }
    return nil
  }

  /// Bytes per bucket (key stride plus value stride) of a Swift map whose types are all
  /// known, else nil.
  static func swiftBucketStride(kind: MapKind, types: String?) -> Int64? {
    guard let types else { return nil }
    let arguments = SymbolName.topLevelArguments(types)
    let wanted = kind == .swiftSet ? 1 : 2
    guard arguments.count == wanted else { return nil }
    var total: Int64 = 0
    for a in arguments {
      guard let s = stride(of: a) else { return nil }
      total += s
    }
    return total
  }

  /// Size of a native Swift table of `buckets` buckets (a power of two) at `stride` bytes each.
  static func swiftTableBytes(buckets: Int64, stride: Int64) -> Int64 {
    swiftHeaderBytes + 8 * ((buckets + 63) / 64) + buckets * stride
  }

  /// The bucket count of a native Swift table of `bytes`: the largest power of two whose
  /// table fits in them, at `stride`; nil when none fits.
  static func swiftBuckets(tableBytes bytes: Int64, stride: Int64) -> Int64? {
    guard stride > 0 else { return nil }
    var buckets: Int64 = 1
    guard swiftTableBytes(buckets: 2, stride: stride) <= bytes else { return nil }
    while swiftTableBytes(buckets: buckets * 2, stride: stride) <= bytes { buckets *= 2 }
    return buckets
  }

  /// The bucket count of a native Swift table when its types are not all known: a map
  /// grown from empty allocated one table per scale, so `resizes` tables in its life
  /// mean 2^resizes buckets — accepted only when the table's size then gives a plausible
  /// whole stride (1 to 512 bytes).
  static func swiftBucketsFromResizes(tableBytes bytes: Int64, resizes: Double) -> Int64? {
    let rounded = resizes.rounded()
    guard rounded >= 1, rounded <= 40, abs(resizes - rounded) <= 0.05 else { return nil }
    let buckets = Int64(1) << Int64(rounded)
    let payload = bytes - swiftHeaderBytes - 8 * ((buckets + 63) / 64)
    guard payload > 0, payload % buckets == 0 else { return nil }
    let stride = payload / buckets
    return (1...512).contains(stride) ? buckets : nil
  }

  /// libstdc++'s bucket counts as a map grows from empty (`_Prime_rehash_policy`: the next
  /// prime of its table at least twice the elements, from 13); further ones about double.
  static let libstdcxxBuckets: [Int64] = [
    13, 29, 59, 127, 257, 541, 1109, 2357, 5087, 10273, 20753, 42043, 85229, 172933, 351061, 712697, 1_447_153,
    2_938_679, 5_967_347, 12_117_689,
  ]

  /// Bucket count of the `j`th table (from 1) of a libstdc++ map grown from empty.
  static func libstdcxxBuckets(_ j: Int) -> Int64 {
    let i = max(0, j - 1)
    if i < libstdcxxBuckets.count { return libstdcxxBuckets[i] }
    return libstdcxxBuckets[libstdcxxBuckets.count - 1] << Int64(min(40, i - libstdcxxBuckets.count + 1))
  }

  /// Go's bucket size for `map[int]int` (8 tophash bytes, 8 keys, 8 values, an overflow
  /// pointer): the estimate when the key and value types are unknown (Go names carry none).
  static let goBucketBytes: Int64 = 144

  /// Buckets of Go's `j`th table (from 1): the first single bucket, then 2^(j−1) buckets,
  /// plus 2^(j−5) overflow buckets allocated with the array from 16 buckets on.
  static func goBucketsWithOverflow(_ j: Int) -> Int64 {
    let b = Int64(max(0, j - 1))
    return (Int64(1) << b) + (b >= 4 ? Int64(1) << (b - 4) : 0)
  }

  /// Bytes of the `j`th table (from 1) a map grown from empty allocates, by kind. Swift:
  /// the table of 2^j buckets at its stride (16 bytes when the types do not say); libstdc++:
  /// its prime bucket counts, 8 bytes each; Go: its bucket arrays of ``goBucketBytes``
  /// buckets; redis: 4 heads doubling; others: 128 bytes doubling.
  static func lifeTableBytes(kind: MapKind, types: String?) -> (Int) -> Double {
    switch kind {
    case .swiftDictionary, .swiftSet:
      let stride = swiftBucketStride(kind: kind, types: types) ?? 16
      return { j in Double(swiftTableBytes(buckets: Int64(1) << Int64(min(j, 40)), stride: stride)) }
    case .cxxUnorderedMap, .cxxUnorderedSet: return { j in Double(libstdcxxBuckets(j) * 8) }
    case .goMap: return { j in Double(goBucketsWithOverflow(min(j, 40)) * goBucketBytes) }
    case .redisDict: return { j in 32 * pow(2, Double(j - 1)) }
    default: return { j in 128 * pow(2, Double(j - 1)) }
    }
  }

  /// The entries the `j`th table of a life holds at most before the next resize, by kind:
  /// 3/4 of Swift's 2^j buckets, one per libstdc++ bucket (load factor 1), 6.5 per Go
  /// bucket, one per redis head; nil for kinds whose growth is not modelled.
  static func lifeCapacity(kind: MapKind, table j: Int) -> Int64? {
    let j = min(max(j, 1), 40)
    switch kind {
    case .swiftDictionary, .swiftSet: return (Int64(1) << Int64(j)) * 3 / 4
    case .cxxUnorderedMap, .cxxUnorderedSet: return libstdcxxBuckets(j)
    case .goMap: return (Int64(1) << Int64(j - 1)) * 13 / 2
    case .redisDict: return 4 << Int64(j - 1)
    default: return nil
    }
  }

  /// Go: the slots (8 per bucket) of a live bucket array of `bytes`, when a life of
  /// `tablesPerLife` tables (the first bucket, then 2^1 … 2^B buckets) and the size agree
  /// on a bucket size of 32 to 2,064 bytes (8 + 8·key + 8·value + 8, each at most 128).
  /// The size is not exact: the runtime rounds a bucket array up to its size class and
  /// uses the rest as overflow buckets.
  static func goSlots(tableBytes bytes: Int64, tablesPerLife: Double) -> Int64? {
    let rounded = tablesPerLife.rounded()
    guard rounded >= 1, rounded <= 40, abs(tablesPerLife - rounded) <= 0.05 else { return nil }
    let j = Int(rounded)
    let bucketBytes = bytes / goBucketsWithOverflow(j)
    guard (32...2064).contains(bucketBytes) else { return nil }
    return (Int64(1) << Int64(j - 1)) * 8
  }

  /// How many tables one map's life allocates, estimated from the average table allocation:
  /// a life of r tables allocates tables 1 … r (``lifeTableBytes(kind:types:)``), so its
  /// average is their sum over r; r is the count whose average is nearest (on a log scale)
  /// to `average`.
  static func tablesPerLife(averageTableBytes average: Double, tableBytes: (Int) -> Double) -> Int {
    guard average > tableBytes(1) else { return 1 }
    var best = 1
    var bestDistance = Double.infinity
    var sum = 0.0
    for r in 1...40 {
      sum += tableBytes(r)
      let distance = abs(log(sum / Double(r)) - log(average))
      if distance < bestDistance {
        bestDistance = distance
        best = r
      }
    }
    return best
  }
}
