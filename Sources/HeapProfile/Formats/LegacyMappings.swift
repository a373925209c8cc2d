import Foundation

/// The memory-map section of legacy text profiles and the location/mapping bookkeeping
/// that pprof's legacy readers share (`ParseMemoryMapFromScanner`, `massageMappings`,
/// `remapLocationIDs`, `remapMappingIDs` in pprof's `profile/`), reproduced so that
/// heapprof assigns the same ids and mappings as `go tool pprof`.
///
/// Grammar of one map line (the first form that matches wins; other lines are ignored,
/// except `name=value`, which later lines may use as `$name`):
///
///     procmaps := START[-]END[:] [PERMS] [OFFSET] DEV:DEV INODE [FILE]   (/proc/PID/maps)
///     brief    := START[-]END[:] [PERMS] [FILE] [(@OFFSET)] [BUILDID]
///
/// where numbers are hex (an optional `0x`), `FILE` is one word (as in pprof), and a line
/// is dropped when it has permissions without `x`. A glog prefix `file:line] ` is removed.
struct LegacyMappings {
  private static let procMaps = regex(
    #"^\s*(?:0x)?([0-9A-Fa-f]+)[\s-]?\s*(?:0x)?([0-9A-Fa-f]+):?(?:\s+([-rwxp]+))?(?:\s+([0-9A-Fa-f]+))?\s+[0-9A-Fa-f]+:[0-9A-Fa-f]+\s+[0-9]+(?:\s+(\S+))?"#
  )
  private static let briefMaps = regex(
    #"^\s*(?:0x)?([0-9A-Fa-f]+)[\s-]?\s*(?:0x)?([0-9A-Fa-f]+):?(?:\s+([-rwxp]+))?(?:\s+(\S+))?(?:\s+\(@([0-9A-Fa-f]+)\))?(?:\s+([0-9A-Fa-f]+))?"#
  )
  private static let logInfo = regex(#"^[^\[\]]+:[0-9]+]\s"#)

  /// Compiles a constant pattern; nil (matching nothing) cannot happen for these patterns.
  private static func regex(_ pattern: String) -> NSRegularExpression? {
    try? NSRegularExpression(pattern: pattern)
  }

  /// Executable mappings in file order, with the build ids that `# heapprof-build-id:`
  /// lines gave their files.
  var mappings: [Mapping] {
    guard !buildIDs.isEmpty else { return executable }
    var idOfFile: [String: String] = [:]
    for (start, id) in buildIDs { if let file = fileAtStart[start] { idOfFile[file] = id } }
    return executable.map { m in
      var m = m
      if m.buildID.isEmpty, let id = idOfFile[m.file] { m.buildID = id }
      return m
    }
  }
  private var executable: [Mapping] = []
  private var substitutions: [(String, String)] = []
  /// The file of every /proc/PID/maps line (executable or not) by its start address.
  private var fileAtStart: [UInt64: String] = [:]
  /// `# heapprof-build-id: 0xSTART HEX` lines: build id by the start of the object.
  private var buildIDs: [(UInt64, String)] = []

  /// Adds a `# heapprof-build-id: 0xSTART HEX` line (written by heapprof's runtime before
  /// the map section: the build id of the object whose first mapping starts at START).
  mutating func addBuildID(line: String) {
    let words = line.dropFirst("# heapprof-build-id: ".count).split(separator: " ")
    guard words.count == 2, words[0].hasPrefix("0x"), let start = UInt64(words[0].dropFirst(2), radix: 16),
      words[1].allSatisfy(\.isHexDigit)
    else { return }
    buildIDs.append((start, words[1].lowercased()))
  }

  /// Adds one line of the map section.
  mutating func add(line raw: String) {
    var line = LegacyMappings.removeLoggingInfo(raw)
    if !substitutions.isEmpty { line = LegacyMappings.replace(line, substitutions) }
    if !buildIDs.isEmpty, let (start, file) = LegacyMappings.startAndFile(line) { fileAtStart[start] = file }
    switch LegacyMappings.parseEntry(line) {
    case .mapping(let m): executable.append(m)
    case .skipped: break
    case .unrecognized:
      if let eq = line.firstIndex(of: "=") {
        let name = line[..<eq].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        substitutions.append(("$" + name, value))
      }
    }
  }

  /// The start address and file of a /proc/PID/maps line whose offset is 0, whatever its
  /// permissions.
  static func startAndFile(_ line: String) -> (UInt64, String)? {
    let ns = line as NSString
    guard let m = procMaps?.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)),
      m.range(at: 5).location != NSNotFound, m.range(at: 4).location != NSNotFound,
      UInt64(ns.substring(with: m.range(at: 4)), radix: 16) == 0,
      let start = UInt64(ns.substring(with: m.range(at: 1)), radix: 16)
    else { return nil }
    return (start, ns.substring(with: m.range(at: 5)))
  }

  enum Entry {
    case mapping(Mapping)
    case skipped
    case unrecognized
  }

  static func parseEntry(_ line: String) -> Entry {
    let ns = line as NSString
    let whole = NSRange(location: 0, length: ns.length)
    func group(_ m: NSTextCheckingResult, _ i: Int) -> String {
      let r = m.range(at: i)
      return r.location == NSNotFound ? "" : ns.substring(with: r)
    }
    var start = "", end = "", perm = "", file = "", offset = "", buildID = ""
    if let m = procMaps?.firstMatch(in: line, range: whole) {
      (start, end, perm, offset, file) = (group(m, 1), group(m, 2), group(m, 3), group(m, 4), group(m, 5))
    } else if let m = briefMaps?.firstMatch(in: line, range: whole) {
      (start, end, perm, file, offset, buildID) = (
        group(m, 1), group(m, 2), group(m, 3), group(m, 4), group(m, 5), group(m, 6)
      )
    } else {
      return .unrecognized
    }
    if !perm.isEmpty && !perm.contains("x") { return .skipped }
    guard let s = UInt64(start, radix: 16), let e = UInt64(end, radix: 16) else { return .unrecognized }
    var o: UInt64 = 0
    if !offset.isEmpty {
      guard let v = UInt64(offset, radix: 16) else { return .unrecognized }
      o = v
    }
    return .mapping(Mapping(id: 0, start: s, limit: e, offset: o, file: file, buildID: buildID))
  }

  static func removeLoggingInfo(_ line: String) -> String {
    guard line.contains("]") else { return line }
    let ns = line as NSString
    if let m = logInfo?.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) {
      return ns.substring(from: m.range.location + m.range.length)
    }
    return line
  }

  /// Go's `strings.Replacer`: left to right, the first pair (in order) matching at a position.
  static func replace(_ line: String, _ pairs: [(String, String)]) -> String {
    var out = ""
    var rest = Substring(line)
    outer: while !rest.isEmpty {
      for (old, new) in pairs where !old.isEmpty && rest.hasPrefix(old) {
        out += new
        rest = rest.dropFirst(old.count)
        continue outer
      }
      out.append(rest.removeFirst())
    }
    return out
  }

  // MARK: - Assembling the profile

  private static let libPattern = regex(#"([.]so$|[.]so[._][0-9]+)"#)

  /// pprof's `massageMappings` then `remapMappingIDs`: merges split mappings, moves the
  /// main binary first, attaches every location to the mapping holding its address (or a
  /// fake catch-all mapping), and numbers mappings from 1.
  static func assemble(_ mappingsIn: [Mapping], into profile: inout Profile) {
    var maps = mappingsIn
    // Merge adjacent regions of one file.
    if maps.count > 1 {
      var merged = [maps[0]]
      for m in maps.dropFirst() {
        let last = merged[merged.count - 1]
        if adjacent(last, m) {
          merged[merged.count - 1].limit = m.limit
          if !m.file.isEmpty { merged[merged.count - 1].file = m.file }
          if !m.buildID.isEmpty { merged[merged.count - 1].buildID = m.buildID }
          continue
        }
        merged.append(m)
      }
      maps = merged
    }
    // Move the main binary (the first non-library, non-pseudo file) to the front.
    for i in maps.indices {
      let file = maps[i].file.replacingOccurrences(of: "(deleted)", with: "").trimmingCharacters(
        in: .whitespacesAndNewlines)
      if file.isEmpty || file.hasPrefix("[") { continue }
      let ns = file as NSString
      if libPattern?.firstMatch(in: file, range: NSRange(location: 0, length: ns.length)) != nil { continue }
      maps.swapAt(0, i)
      break
    }
    // remapMappingIDs heuristics.
    if let first = maps.first, first.file.hasPrefix("/anon_hugepage"), maps.count > 1,
      first.limit == maps[1].start
    {
      maps.removeFirst()
    }
    if let first = maps.first, first.start &- first.offset == 0x400000 {
      maps[0].start = 0x400000
      maps[0].offset = 0
    }
    var fake: Int?
    var assigned = [Int?](repeating: nil, count: profile.locations.count)
    nextLocation: for (li, l) in profile.locations.enumerated() {
      let a = l.address
      if a == 0 { continue }
      for (mi, m) in maps.enumerated() where m.start <= a && a < m.limit {
        assigned[li] = mi
        continue nextLocation
      }
      for (mi, m) in maps.enumerated() where m.offset != 0 && m.start &- m.offset <= a && a < m.start {
        maps[mi].start = m.start &- m.offset
        maps[mi].offset = 0
        assigned[li] = mi
        continue nextLocation
      }
      if fake == nil {
        maps.append(Mapping(id: 1, start: 0, limit: UInt64.max, offset: 0, file: ""))
        fake = maps.count - 1
      }
      assigned[li] = fake
    }
    for i in maps.indices { maps[i].id = UInt64(i + 1) }
    for (li, mi) in assigned.enumerated() {
      if let mi { profile.locations[li].mappingID = maps[mi].id }
    }
    profile.mappings = maps
  }

  static func adjacent(_ m1: Mapping, _ m2: Mapping) -> Bool {
    if !m1.file.isEmpty && !m2.file.isEmpty && m1.file != m2.file { return false }
    if !m1.buildID.isEmpty && !m2.buildID.isEmpty && m1.buildID != m2.buildID { return false }
    if m1.limit != m2.start { return false }
    if m1.offset != 0 && m2.offset != 0 {
      if m1.offset &+ (m1.limit &- m1.start) != m2.offset { return false }
    }
    return true
  }
}
