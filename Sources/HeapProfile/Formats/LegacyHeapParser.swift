import Foundation

/// Parses the legacy text heap profile of gperftools, tcmalloc, Go (`debug=1`) and
/// heapprof's own runtime, with the results of `go tool pprof`'s legacy reader
/// (`parseHeap` in pprof's `profile/legacy_profile.go`).
///
/// Grammar (lines end with `\n`; blank lines and lines starting with `#` are skipped,
/// except the two comment forms below):
///
///     profile  := header { sample | comment | blank } [ sentinel { mapline } ]
///     header   := "heap profile:" N ":" B "[" N ":" B "]" "@" KIND [ "/" RATE ]
///                 (KIND: heapprofile = every allocation, period 1;
///                  heap_v2 / heapz_v2 = sampled every RATE bytes;
///                  heap = Go, sampled every RATE/2 bytes)
///               | "heap profile:" N ":" B "[" N ":" B "] @ growthz" | "... @ fragmentationz"
///     sample   := INUSE_N ":" INUSE_B "[" ALLOC_N ":" ALLOC_B "] @" { " 0x" HEX }
///     comment  := "# heapprof: " { KEY "=" VALUE " " } [ "program=" REST-OF-LINE ]
///               | "#" TAB "0x" PC [ TAB FUNC "+0x" OFF TAB FILE ":" LINE ]   (Go symbols)
///     sentinel := a line containing "MAPPED_LIBRARIES:" or "--- Memory map: ---"
///     mapline  := see ``LegacyMappings``
///
/// Result, as pprof: sample types `alloc_objects/count alloc_space/bytes
/// inuse_objects/count inuse_space/bytes` when the header's alloc columns differ from
/// its in-use columns (and are not 0), else `objects/count space/bytes`; period type
/// `space/bytes`; each sample has numeric label `bytes` = bytes/count (unscaled, in-use
/// when its count is non-zero, else alloc); sampled kinds are unbiased by
/// `1/(1-exp(-(bytes/count)/RATE))`; every address is decremented by 1 and gets one
/// location; locations get mappings as in ``LegacyMappings``. heapprof adds: the
/// `# heapprof:` line fills ``Profile/timeNanos`` (`time_ns`) and
/// ``Profile/attributes`` (every other key), Go symbol lines fill functions and lines,
/// and `drop_frames` is ``AllocatorFrames.dropFramesRegex``.
enum LegacyHeapParser {
  private static let header = regex(
    #"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] *@ *(heap[_a-z0-9]*)/?([0-9]*)"#)
  private static let growthHeader = regex(
    #"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ growthz?"#)
  private static let fragmentationHeader = regex(
    #"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ fragmentationz?"#)
  private static let sampleLine = regex(#"(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *] @([ x0-9a-f]*)"#)

  /// Compiles a constant pattern; nil (matching nothing) cannot happen for these patterns.
  private static func regex(_ pattern: String) -> NSRegularExpression? {
    try? NSRegularExpression(pattern: pattern)
  }

  static func groups(_ re: NSRegularExpression?, _ line: String) -> [String]? {
    let ns = line as NSString
    guard let m = re?.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) else { return nil }
    return (0..<m.numberOfRanges).map { i in
      let r = m.range(at: i)
      return r.location == NSNotFound ? "" : ns.substring(with: r)
    }
  }

  /// Parses `bytes`; errors name `source` and the line.
  static func parse(_ bytes: [UInt8], source: String) throws -> Profile {
    var lines = TextLines(bytes, source: source)
    guard let first = try lines.next() else {
      throw ProfileError(file: source, message: "the file is empty")
    }
    var p = Profile()
    p.periodType = ValueType(type: "space", unit: "bytes")
    var sampled = false
    var hasAlloc = false
    if let h = groups(header, first) {
      if !h[6].isEmpty {
        guard let v = Int64(h[6]) else {
          throw ProfileError.line(source, 1, "the sampling rate \(h[6]) does not fit in a 64-bit integer")
        }
        p.period = v
      }
      // The header's totals only decide the sample types, but a number that does not fit
      // is a damaged file, not a profile to guess at.
      for total in h[1...4] where !total.isEmpty && Int64(total) == nil {
        throw ProfileError.line(source, 1, "the number \(total) does not fit in a 64-bit integer")
      }
      hasAlloc = (h[3] != h[1] && h[3] != "0") || (h[4] != h[2] && h[4] != "0")
      switch h[5] {
      case "heapz_v2", "heap_v2": sampled = true
      case "heapprofile": p.period = 1
      case "heap":
        sampled = true
        p.period /= 2
      default:
        throw ProfileError.line(
          source, 1,
          "unknown heap profile kind \"\(h[5])\"; expected heapprofile, heap_v2/RATE, heapz_v2/RATE or heap/RATE")
      }
    } else if groups(growthHeader, first) != nil || groups(fragmentationHeader, first) != nil {
      p.period = 1
    } else {
      throw ProfileError.line(
        source, 1,
        "unrecognized heap profile header; expected \"heap profile: N: BYTES [ N: BYTES] @ heapprofile\" (or @ heap_v2/RATE, @ heap/RATE)"
      )
    }
    p.sampleTypes = ValueType.legacyHeapTypes(hasAllocColumns: hasAlloc)

    var locations = LocationTable()
    var symbols = GoSymbols()
    var maps = LegacyMappings()
    var inMaps = false
    var heapprofDump = false
    var inuseSums: [Int64] = [0, 0]  // of the sample lines, unscaled
    let headerInuse: [Int64] =
      groups(header, first).map { g -> [Int64] in [Int64(g[1]) ?? 0, Int64(g[2]) ?? 0] } ?? [0, 0]
    // A file cut short (a dump copied while being written elsewhere, a full disk) must not
    // pass for a profile whose frames cannot be placed: heapprof and gperftools always end
    // their dumps with the memory map and a newline.
    let endsWithNewline = bytes.last == 0x0a
    let truncated = "the file is truncated"
    while let raw = try lines.next() {
      do {
        if inMaps {
          maps.add(line: raw)
          continue
        }
        let line = LegacyHeapParser.trimmed(raw)
        if line.isEmpty { continue }
        if line.hasPrefix("#") {
          if line.hasPrefix("# heapprof:") {
            try readMetadata(line, into: &p, source: source, line: lines.number)
            heapprofDump = true
          } else if line.hasPrefix("# heapprof-build-id: ") {
            maps.addBuildID(line: line)
          } else if raw.hasPrefix("#\t0x") {
            symbols.add(raw)
          }
          continue
        }
        // Sample lines hold neither 'M' nor '-' (but for negative numbers): skip the search.
        if LegacyHeapParser.hasByte(line, 0x4d, or: 0x2d)
          && (line.contains("MAPPED_LIBRARIES:") || line.contains("--- Memory map: ---"))
        {
          inMaps = true
          continue
        }
        let n = lines.number
        let fields = try sampleFields(line, source: source, line: n)
        var values = [Int64]()
        values.reserveCapacity(4)
        var blocksize: Int64 = 0
        func add(_ count: Int64, _ size: Int64, _ label: String) throws {
          if count == 0 && size != 0 {
            throw ProfileError.line(source, n, "\(label) count was 0 but \(label) bytes was \(size)")
          }
          var (c, s) = (count, size)
          if count != 0 {
            blocksize = size / count
            if sampled { (c, s) = try scale(count, size, p.period, source: source, line: n) }
          }
          values.append(c)
          values.append(s)
        }
        inuseSums[0] &+= fields.inuseCount
        inuseSums[1] &+= fields.inuseBytes
        if hasAlloc { try add(fields.allocCount, fields.allocBytes, "allocation") }
        try add(fields.inuseCount, fields.inuseBytes, "inuse")
        var ids = [UInt64]()
        ids.reserveCapacity(fields.addresses.count)
        for a in fields.addresses { ids.append(locations.id(for: a &- 1)) }
        p.samples.append(Sample(locationIDs: ids, values: values, numLabels: ["bytes": [blocksize]]))
      } catch let error as ProfileError where lines.isAtEnd && !endsWithNewline {
        throw ProfileError.line(
          source, lines.number, "\(truncated): it ends in the middle of this line (\(error.message))")
      }
    }
    // gperftools' header holds the totals of its lines: fewer in the lines means lines are missing.
    // A file cut at the end of its sample lines ends without a newline.
    let linesFallShort =
      h5Kind(first) == "heapprofile" && !p.samples.isEmpty
      && (inuseSums != headerInuse || !endsWithNewline)
    if !inMaps && (heapprofDump || linesFallShort) {
      throw ProfileError(
        file: source, position: "\(lines.number)",
        message:
          "\(truncated): it ends before the MAPPED_LIBRARIES section that heapprof and gperftools dumps end with, "
          + "so its addresses cannot be placed in the program; use a complete copy of the dump")
    }
    if inMaps && !endsWithNewline && heapprofDump {
      throw ProfileError(
        file: source, position: "\(lines.number)",
        message: "\(truncated): it ends in the middle of a MAPPED_LIBRARIES line; use a complete copy of the dump")
    }
    p.locations = locations.locations
    symbols.apply(to: &p)
    LegacyMappings.assemble(maps.mappings, into: &p)
    symbols.markMappings(in: &p)
    p.dropFrames = AllocatorFrames.dropFramesRegex
    p.keepFrames = AllocatorFrames.keepFramesRegex
    return p
  }

  /// The KIND of a `heap profile:` header line (`heapprofile`, `heap_v2`, `heap`), or "".
  static func h5Kind(_ first: String) -> String { groups(header, first)?[5] ?? "" }

  // MARK: - Sample lines

  struct Fields {
    var inuseCount: Int64 = 0
    var inuseBytes: Int64 = 0
    var allocCount: Int64 = 0
    var allocBytes: Int64 = 0
    var addresses: [UInt64] = []
  }

  static func sampleFields(_ line: String, source: String, line n: Int) throws -> Fields {
    if let f = try fastSampleFields(line, source: source, line: n) { return f }
    guard let g = groups(sampleLine, line) else {
      throw ProfileError.line(
        source, n,
        "not a heap sample line; expected \"INUSE_COUNT: INUSE_BYTES [ALLOC_COUNT: ALLOC_BYTES] @ 0xADDRESS ...\" (the line starts \"\(line.prefix(40))\")"
      )
    }
    func int(_ s: String) throws -> Int64 {
      guard let v = Int64(s) else { throw overflow(s, source, n) }
      return v
    }
    var f = Fields()
    f.inuseCount = try int(g[1])
    f.inuseBytes = try int(g[2])
    f.allocCount = try int(g[3])
    f.allocBytes = try int(g[4])
    f.addresses = try hexAddresses(Array(g[5].utf8)[...], source: source, line: n)
    return f
  }

  static func overflow(_ digits: String, _ source: String, _ n: Int) -> ProfileError {
    ProfileError.line(source, n, "the number \(digits) does not fit in a 64-bit integer")
  }

  /// Parses a well-formed sample line by hand (the common case); nil when the line needs
  /// the general (unanchored) pattern.
  static func fastSampleFields(_ line: String, source: String, line n: Int) throws -> Fields? {
    let utf8 = line.utf8
    return try utf8.withContiguousStorageIfAvailable { buf -> Fields? in
      var i = 0
      let end = buf.count
      func spaces() { while i < end && buf[i] == 0x20 { i += 1 } }
      func expect(_ c: UInt8) -> Bool {
        guard i < end && buf[i] == c else { return false }
        i += 1
        return true
      }
      func number(signed: Bool) throws -> Int64? {
        let start = i
        var negative = false
        if signed && i < end && buf[i] == 0x2d {
          negative = true
          i += 1
        }
        let digitsStart = i
        var v: Int64 = 0
        var overflowed = false
        while i < end && buf[i] >= 0x30 && buf[i] <= 0x39 {
          let d = Int64(buf[i] - 0x30)
          let (m, o1) = v.multipliedReportingOverflow(by: 10)
          let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
          if o1 || o2 { overflowed = true }
          v = s
          i += 1
        }
        if i == digitsStart { return nil }
        if overflowed {
          throw overflow(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self), source, n)
        }
        return v
      }
      var f = Fields()
      guard let a = try number(signed: true), expect(0x3a) else { return nil }
      spaces()
      guard let b = try number(signed: true) else { return nil }
      spaces()
      guard expect(0x5b) else { return nil }
      spaces()
      guard let c = try number(signed: false), expect(0x3a) else { return nil }
      spaces()
      guard let d = try number(signed: false) else { return nil }
      spaces()
      guard expect(0x5d), expect(0x20), expect(0x40) else { return nil }
      (f.inuseCount, f.inuseBytes, f.allocCount, f.allocBytes) = (a, b, c, d)
      let start = i
      while i < end {
        let ch = buf[i]
        if ch == 0x20 || ch == 0x78 || (ch >= 0x30 && ch <= 0x39) || (ch >= 0x61 && ch <= 0x66) {
          i += 1
        } else {
          break
        }
      }
      f.addresses = try hexAddresses(buf[start..<i], source: source, line: n)
      return f
    } ?? nil
  }

  /// Every `0x[0-9a-f]+` in `s`, as pprof's `hexNumberRE` finds them.
  static func hexAddresses<C: RandomAccessCollection>(_ s: C, source: String, line n: Int) throws -> [UInt64]
  where C.Element == UInt8, C.Index == Int {
    var out = [UInt64]()
    var i = s.startIndex
    while i + 2 < s.endIndex {
      if s[i] == 0x30 && s[i + 1] == 0x78, let h = hexValue(s[i + 2]) {
        var v = UInt64(h)
        var j = i + 3
        var tooBig = false
        while j < s.endIndex, let d = hexValue(s[j]) {
          if v > (UInt64.max >> 4) { tooBig = true }
          v = v &<< 4 | UInt64(d)
          j += 1
        }
        if tooBig {
          let text = String(decoding: s[i..<j], as: UTF8.self)
          throw ProfileError.line(source, n, "the address \(text) does not fit in 64 bits")
        }
        out.append(v)
        i = j
      } else {
        i += 1
      }
    }
    return out
  }

  static func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    default: return nil
    }
  }

  /// Whether `s` holds byte `a` or byte `b` (a fast pre-check before substring searches).
  static func hasByte(_ s: String, _ a: UInt8, or b: UInt8) -> Bool {
    var s = s
    return s.withUTF8 { buf in
      guard let base = buf.baseAddress else { return false }
      return memchr(base, Int32(a), buf.count) != nil || memchr(base, Int32(b), buf.count) != nil
    }
  }

  /// The line without leading and trailing spaces and tabs (Go's `TrimSpace` for ASCII).
  static func trimmed(_ s: String) -> String {
    let u = s.utf8
    var a = u.startIndex
    var b = u.endIndex
    while a < b && (u[a] == 0x20 || u[a] == 0x09) { a = u.index(after: a) }
    while a < b {
      let p = u.index(before: b)
      guard u[p] == 0x20 || u[p] == 0x09 else { break }
      b = p
    }
    if a == u.startIndex && b == u.endIndex { return s }
    return String(s[a..<b])
  }

  /// pprof's `scaleHeapSample`: unbias a sampled (count, bytes) pair taken every `rate` bytes.
  static func scale(_ count: Int64, _ size: Int64, _ rate: Int64, source: String, line n: Int) throws -> (Int64, Int64)
  {
    if count == 0 || size == 0 { return (0, 0) }
    if rate <= 1 { return (count, size) }
    let avg = Double(size) / Double(count)
    let factor = 1 / (1 - exp(-avg / Double(rate)))
    let c = (Double(count) * factor).rounded(.towardZero)
    let s = (Double(size) * factor).rounded(.towardZero)
    guard let ci = Int64(exactly: c), let si = Int64(exactly: s) else {
      throw ProfileError.line(source, n, "the unbiased values of this sample do not fit in a 64-bit integer")
    }
    return (ci, si)
  }

  // MARK: - heapprof metadata

  /// `# heapprof: version=1 pid=P seq=N time_ns=T reason=R sample_rate=R max_depth=D program=PATH`.
  static func readMetadata(_ line: String, into p: inout Profile, source: String, line n: Int) throws {
    var rest = Substring(line.dropFirst("# heapprof:".count))
    while !rest.isEmpty {
      rest = rest.drop { $0 == " " }
      if rest.isEmpty { break }
      if rest.hasPrefix("program=") {
        p.attributes["program"] = String(rest.dropFirst("program=".count))
        break
      }
      let token = rest.prefix { $0 != " " }
      rest = rest.dropFirst(token.count)
      guard let eq = token.firstIndex(of: "=") else {
        throw ProfileError.line(source, n, "heapprof metadata item \"\(token)\" is not KEY=VALUE")
      }
      let key = String(token[..<eq])
      let value = String(token[token.index(after: eq)...])
      if key == "time_ns" {
        guard let t = Int64(value) else {
          throw ProfileError.line(source, n, "heapprof metadata time_ns=\(value) is not a 64-bit integer")
        }
        p.timeNanos = t
      } else {
        p.attributes[key] = value
      }
    }
  }
}
