/// Builds a merged profile one input at a time (pprof's `profileMerger`).
struct ProfileMerger {
  private(set) var out: Profile

  private struct SampleKey: Hashable {
    var locations: [UInt64]
    var labels: [String: [String]]
    var numLabels: [String: [Int64]]
    var numUnits: [String: [String]]
  }
  private struct LocationKey: Hashable {
    var address: UInt64
    var mappingID: UInt64
    var isFolded: Bool
    var lines: [LineKey]
  }
  private struct LineKey: Hashable {
    var functionID: UInt64
    var line: Int64
    var column: Int64
  }
  private struct FunctionKey: Hashable {
    var startLine: Int64
    var name, systemName, filename: String
  }
  private struct MappingKey: Hashable {
    var size: UInt64
    var offset: UInt64
    var buildIDOrFile: String
  }

  private var samples: [SampleKey: Int] = [:]
  private var locations: [LocationKey: UInt64] = [:]
  private var functions: [FunctionKey: UInt64] = [:]
  private var mappings: [MappingKey: Int] = [:]

  init(header: Profile) { out = header }

  mutating func add(_ src: Profile) {
    let locPos = src.locationPositions()
    let funcPos = src.functionPositions()
    let mapPos = src.mappingPositions()
    var locByID = IDTable<UInt64>(maxID: src.locations.map(\.id).max() ?? 0, count: src.locations.count)
    var funcByID = IDTable<UInt64>(maxID: src.functions.map(\.id).max() ?? 0, count: src.functions.count)
    var mapByID: [UInt64: (position: Int, offset: Int64)] = [:]

    func mapMapping(_ id: UInt64) -> (position: Int, offset: Int64)? {
      if id == 0 { return nil }
      if let known = mapByID[id] { return known }
      guard let i = mapPos[id] else { return nil }
      let m = src.mappings[i]
      var size = m.limit &- m.start
      size = size &+ 0xfff
      size -= size % 0x1000
      let key = MappingKey(size: size, offset: m.offset, buildIDOrFile: m.buildID.isEmpty ? m.file : m.buildID)
      if let pos = mappings[key] {
        let r = (pos, Int64(bitPattern: out.mappings[pos].start &- m.start))
        mapByID[id] = r
        return r
      }
      var copy = m
      copy.id = UInt64(out.mappings.count + 1)
      out.mappings.append(copy)
      mappings[key] = out.mappings.count - 1
      let r = (out.mappings.count - 1, Int64(0))
      mapByID[id] = r
      return r
    }

    func mapFunction(_ id: UInt64) -> UInt64 {
      if let known = funcByID[id] { return known }
      guard let i = funcPos[id] else { return 0 }
      let f = src.functions[i]
      let key = FunctionKey(startLine: f.startLine, name: f.name, systemName: f.systemName, filename: f.filename)
      if let existing = functions[key] {
        funcByID[id] = existing
        return existing
      }
      var copy = f
      copy.id = UInt64(out.functions.count + 1)
      out.functions.append(copy)
      functions[key] = copy.id
      funcByID[id] = copy.id
      return copy.id
    }

    func mapLocation(_ id: UInt64) -> UInt64? {
      if let known = locByID[id] { return known }
      guard let i = locPos[id] else { return nil }
      let l = src.locations[i]
      let mi = mapMapping(l.mappingID)
      var address = l.address
      var mappingID: UInt64 = 0
      var keyAddress = address
      if let mi {
        address = UInt64(bitPattern: Int64(bitPattern: address) &+ mi.offset)
        mappingID = out.mappings[mi.position].id
        keyAddress = address &- out.mappings[mi.position].start
      }
      let lines = l.lines.map { Line(functionID: mapFunction($0.functionID), line: $0.line, column: $0.column) }
      let key = LocationKey(
        address: keyAddress, mappingID: mappingID, isFolded: l.isFolded,
        lines: lines.map { LineKey(functionID: $0.functionID, line: $0.line, column: $0.column) })
      if let existing = locations[key] {
        locByID[id] = existing
        return existing
      }
      let newID = UInt64(out.locations.count + 1)
      out.locations.append(
        Location(id: newID, mappingID: mappingID, address: address, lines: lines, isFolded: l.isFolded))
      locations[key] = newID
      locByID[id] = newID
      return newID
    }

    if out.mappings.isEmpty, let m = src.mappings.first { _ = mapMapping(m.id) }
    for s in src.samples where !s.values.allSatisfy({ $0 == 0 }) {
      var ids = [UInt64]()
      ids.reserveCapacity(s.locationIDs.count)
      for id in s.locationIDs {
        if let mapped = mapLocation(id) { ids.append(mapped) }
      }
      let key = SampleKey(locations: ids, labels: s.labels, numLabels: s.numLabels, numUnits: s.numUnits)
      if let i = samples[key] {
        for (j, v) in s.values.enumerated() { out.samples[i].values[j] &+= v }
      } else {
        samples[key] = out.samples.count
        out.samples.append(
          Sample(locationIDs: ids, values: s.values, labels: s.labels, numLabels: s.numLabels, numUnits: s.numUnits))
      }
    }
  }
}
