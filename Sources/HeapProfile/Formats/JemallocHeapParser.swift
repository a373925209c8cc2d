import Foundation

/// Parses jemalloc's native heap profile (`prof.dump`, `prof_final`, `lg_prof_interval`
/// dumps), which google/pprof does not read; the numbers follow `jeprof`.
///
/// Grammar (leading and trailing spaces of each line are ignored; blank lines and lines
/// starting with `#` are skipped):
///
///     profile  := header { thread } { stack } [ sentinel { mapline } ]
///     header   := "heap_v2/" RATE                      (mean bytes between samples)
///     stack    := "@" { " 0x" HEX } NL total { thread }
///     total    := "t*:" CUR_N ":" CUR_B "[" CUM_N ":" CUM_B "]"
///     thread   := "t" UID ":" CUR_N ":" CUR_B "[" CUM_N ":" CUM_B "]" [ THREAD-NAME ]
///     sentinel := "MAPPED_LIBRARIES:" | "--- Memory map: ---"
///
/// Each stack becomes one sample from its `t*:` totals (the per-thread lines before the
/// first stack are the whole-process totals and are only used to choose sample types).
/// As in pprof's legacy reader: four sample types `alloc_objects alloc_space
/// inuse_objects inuse_space` when the header's cumulative columns (non-zero only with
/// `prof_accum`) differ from the current ones, else `objects space`; every (count, bytes)
/// pair is unbiased with jeprof's `1/(1-exp(-(bytes/count)/RATE))` and truncated to an
/// integer; numeric label `bytes` = bytes/count; every address is decremented by 1.
/// The string label `thread` lists the thread uids that hold the stack's memory.
enum JemallocHeapParser {
  static func parse(_ bytes: [UInt8], source: String) throws -> Profile {
    var lines = TextLines(bytes, source: source)
    guard let first = try lines.next() else { throw ProfileError(file: source, message: "the file is empty") }
    let head = first.trimmingCharacters(in: .whitespaces)
    guard head.hasPrefix("heap_v2/"), let rate = Int64(head.dropFirst("heap_v2/".count)) else {
      throw ProfileError.line(source, 1, "unrecognized jemalloc header \"\(head)\"; expected \"heap_v2/RATE\"")
    }
    var p = Profile()
    p.periodType = ValueType(type: "space", unit: "bytes")
    p.period = rate

    struct Pending {
      var addresses: [UInt64]
      var line: Int
      var total: Counts?
      var threads: [String] = []
    }
    var headerTotal: Counts?
    var stacks: [Pending] = []
    var locations = LocationTable()
    var maps = LegacyMappings()
    var inMaps = false
    while let raw = try lines.next() {
      if inMaps {
        maps.add(line: raw)
        continue
      }
      let line = LegacyHeapParser.trimmed(raw)
      let n = lines.number
      if line.isEmpty || line.hasPrefix("#") { continue }
      if line.hasPrefix("MAPPED_LIBRARIES:") || line.hasPrefix("--- Memory map:") {
        inMaps = true
        continue
      }
      if line.hasPrefix("@") {
        let addrs = try LegacyHeapParser.hexAddresses(Array(line.utf8), source: source, line: n)
        stacks.append(Pending(addresses: addrs, line: n))
        continue
      }
      guard line.hasPrefix("t"), let colon = line.firstIndex(of: ":") else {
        throw ProfileError.line(
          source, n,
          "not a jemalloc profile line; expected \"@ 0xADDRESS ...\" or \"t*: N: BYTES [N: BYTES]\" (the line starts \"\(line.prefix(40))\")"
        )
      }
      let thread = String(line[line.index(after: line.startIndex)..<colon])
      guard thread == "*" || (!thread.isEmpty && thread.allSatisfy(\.isASCII) && UInt64(thread) != nil) else {
        throw ProfileError.line(source, n, "bad thread id \"t\(thread)\"; expected t* or t followed by a number")
      }
      let counts = try Counts(line[line.index(after: colon)...], source: source, line: n)
      if stacks.isEmpty {
        if thread == "*" { headerTotal = counts }
        continue
      }
      if thread == "*" {
        guard stacks[stacks.count - 1].total == nil else {
          throw ProfileError.line(source, n, "a second t*: line for the stack on line \(stacks[stacks.count - 1].line)")
        }
        stacks[stacks.count - 1].total = counts
      } else if counts.curObjects != 0 || counts.cumObjects != 0 {
        stacks[stacks.count - 1].threads.append(thread)
      }
    }
    let h = headerTotal ?? Counts()
    let hasAlloc =
      (h.cumObjects != h.curObjects && h.cumObjects != 0) || (h.cumBytes != h.curBytes && h.cumBytes != 0)
    p.sampleTypes = ValueType.legacyHeapTypes(hasAllocColumns: hasAlloc)
    for s in stacks {
      guard let c = s.total else {
        throw ProfileError.line(source, s.line, "the stack has no t*: line with its totals")
      }
      var values = [Int64]()
      var blocksize: Int64 = 0
      func add(_ count: Int64, _ size: Int64, _ label: String) throws {
        if count == 0 && size != 0 {
          throw ProfileError.line(source, s.line + 1, "\(label) count was 0 but \(label) bytes was \(size)")
        }
        var (x, y) = (count, size)
        if count != 0 {
          blocksize = size / count
          (x, y) = try LegacyHeapParser.scale(count, size, rate, source: source, line: s.line + 1)
        }
        values.append(x)
        values.append(y)
      }
      if hasAlloc { try add(c.cumObjects, c.cumBytes, "cumulative") }
      try add(c.curObjects, c.curBytes, "current")
      let ids = s.addresses.map { locations.id(for: $0 &- 1) }
      var sample = Sample(locationIDs: ids, values: values, numLabels: ["bytes": [blocksize]])
      if !s.threads.isEmpty { sample.labels["thread"] = s.threads }
      p.samples.append(sample)
    }
    p.locations = locations.locations
    LegacyMappings.assemble(maps.mappings, into: &p)
    p.dropFrames = AllocatorFrames.dropFramesRegex
    p.keepFrames = AllocatorFrames.keepFramesRegex
    return p
  }

  /// `CUR_N: CUR_B [CUM_N: CUM_B]` with an optional thread name after it.
  struct Counts {
    var curObjects: Int64 = 0
    var curBytes: Int64 = 0
    var cumObjects: Int64 = 0
    var cumBytes: Int64 = 0

    init() {}

    init(_ text: Substring, source: String, line n: Int) throws {
      var numbers = [Int64]()
      var digits = ""
      var rest = text[...]
      func flush() throws {
        if digits.isEmpty { return }
        guard let v = Int64(digits) else {
          throw ProfileError.line(source, n, "the number \(digits) does not fit in a 64-bit integer")
        }
        numbers.append(v)
        digits = ""
      }
      // Numbers end at the closing bracket; a thread name may follow.
      while let c = rest.first {
        rest = rest.dropFirst()
        if c.isASCII && c.isNumber {
          digits.append(c)
        } else if c == " " || c == ":" || c == "[" {
          try flush()
        } else if c == "]" {
          try flush()
          break
        } else {
          throw ProfileError.line(source, n, "unexpected \"\(c)\" in counts; expected \"N: BYTES [N: BYTES]\"")
        }
      }
      guard numbers.count == 4 else {
        throw ProfileError.line(source, n, "expected 4 numbers \"N: BYTES [N: BYTES]\", found \(numbers.count)")
      }
      (curObjects, curBytes, cumObjects, cumBytes) = (numbers[0], numbers[1], numbers[2], numbers[3])
    }
  }
}
