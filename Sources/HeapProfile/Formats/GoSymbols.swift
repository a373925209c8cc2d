import Foundation

/// Go legacy heap profiles' `#\t0xPC\tFUNC+0xOFF\tFILE:LINE` lines (inlined frames repeat
/// the PC, innermost first).
struct GoSymbols {
  private var frames: [UInt64: [(name: String, file: String, line: Int64)]] = [:]
  private var seen = Set<String>()

  mutating func add(_ raw: String) {
    // Go aligns the columns with extra tabs: "#\t0xPC\tNAME+0xOFF\t\tFILE:LINE".
    let parts = raw.split(separator: "\t", omittingEmptySubsequences: true)
    guard parts.count >= 4, parts[1].hasPrefix("0x"), let pc = UInt64(parts[1].dropFirst(2), radix: 16) else {
      return
    }
    var name = parts[2]
    if let plus = name.range(of: "+0x", options: .backwards) { name = name[..<plus.lowerBound] }
    var file = parts[3...].joined(separator: "\t")
    var line: Int64 = 0
    if let colon = file.lastIndex(of: ":"), let l = Int64(file[file.index(after: colon)...]) {
      line = l
      file = String(file[..<colon])
    }
    // A stack printed twice (the same PC in two records) lists its frames again.
    let key = "\(pc)\t\(name)\t\(file)\t\(line)"
    guard seen.insert(key).inserted else { return }
    frames[pc, default: []].append((String(name), file, line))
  }

  /// Gives each location at a known PC (its address, or its address + 1) function lines.
  mutating func apply(to p: inout Profile) {
    guard !frames.isEmpty else { return }
    var functionIDs: [String: UInt64] = [:]
    for i in p.locations.indices {
      let a = p.locations[i].address
      guard let fs = frames[a] ?? frames[a &+ 1] else { continue }
      p.locations[i].lines = fs.map { f in
        let key = f.name + "\u{0}" + f.file
        let id: UInt64
        if let known = functionIDs[key] {
          id = known
        } else {
          id = UInt64(p.functions.count + 1)
          functionIDs[key] = id
          p.functions.append(Function(id: id, name: f.name, systemName: f.name, filename: f.file))
        }
        return Line(functionID: id, line: f.line)
      }
    }
  }

  /// Marks mappings whose locations were symbolized from the file.
  func markMappings(in p: inout Profile) {
    guard !frames.isEmpty else { return }
    var inline = Set<UInt64>(), symbolized = Set<UInt64>()
    for l in p.locations where !l.lines.isEmpty {
      symbolized.insert(l.mappingID)
      if l.lines.count > 1 { inline.insert(l.mappingID) }
    }
    for i in p.mappings.indices where symbolized.contains(p.mappings[i].id) {
      p.mappings[i].hasFunctions = true
      p.mappings[i].hasFilenames = true
      p.mappings[i].hasLineNumbers = true
      p.mappings[i].hasInlineFrames = inline.contains(p.mappings[i].id)
    }
  }
}
