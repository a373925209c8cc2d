// swiftcache.swift: a Swift program for RuntimeSwiftTests. makeCache fills a
// [Int: Payload] with 1000 class instances; the instances and the Dictionary storage are
// allocated under Swift frames of this program.
final class Payload {
  var value: Int
  init(_ value: Int) { self.value = value }
}

@inline(never)
func makeCache(_ count: Int) -> [Int: Payload] {
  var cache: [Int: Payload] = [:]
  for i in 0..<count { cache[i] = Payload(i) }
  return cache
}

let cache = makeCache(1000)
print("entries \(cache.count)")
