import HeapProfile

/// A profile's stacks decoded once into integer node ids for one ``Granularity``: every
/// distinct ``NodeInfo`` gets an id, every location the ids of its lines (innermost inlined
/// frame first, as pprof's `CreateNodes`), and every sample its location positions.
/// Graph builds then run on integer arrays only.
struct NodeTable {
  /// Node infos by id.
  var infos: [NodeInfo] = []
  /// Printable names by id (cached: sorting compares them often).
  var names: [String] = []
  /// For each location (position in `profile.locations`), its node ids, innermost first.
  var locationNodes: [[Int32]] = []
  /// `locationNodes` flattened: the node ids of location `l` are
  /// `locationNodeIDs[locationNodeStart[l]..<locationNodeStart[l + 1]]`.
  var locationNodeIDs: [Int32] = []
  /// Start of each location's ids in `locationNodeIDs`; one extra entry at the end.
  var locationNodeStart: [Int32] = []
  /// Location positions of all samples, leaf first, sample after sample.
  var frames: [Int32] = []
  /// Start of each sample's frames in `frames`; one extra entry at the end.
  var sampleStart: [Int] = []

  init(_ profile: Profile, granularity: Granularity) {
    var ids: [NodeInfo: Int32] = [:]
    var mappingFile: [UInt64: String] = [:]
    for m in profile.mappings where !m.file.isEmpty { mappingFile[m.id] = m.file }
    var functions: [UInt64: Int] = [:]
    for (i, f) in profile.functions.enumerated() { functions[f.id] = i }
    let useName = granularity != .files
    let useFile = granularity != .functions
    let useLine = granularity == .lines || granularity == .addresses
    let useAddress = granularity == .addresses

    func intern(_ info: NodeInfo) -> Int32 {
      if let id = ids[info] { return id }
      let id = Int32(infos.count)
      ids[info] = id
      infos.append(info)
      names.append(info.printableName)
      return id
    }

    var locationIndex: [UInt64: Int32] = [:]
    locationIndex.reserveCapacity(profile.locations.count)
    locationNodes.reserveCapacity(profile.locations.count)
    for (li, loc) in profile.locations.enumerated() {
      locationIndex[loc.id] = Int32(li)
      let objfile = mappingFile[loc.mappingID] ?? ""
      let address = useAddress ? loc.address : 0
      var nodes: [Int32] = []
      if loc.lines.isEmpty {
        nodes.append(intern(NodeInfo(address: address, objfile: objfile)))
      }
      for line in loc.lines {
        guard let fi = functions[line.functionID] else {
          nodes.append(intern(NodeInfo(address: address, objfile: objfile)))
          continue
        }
        let fn = profile.functions[fi]
        var info = NodeInfo(address: address)
        if useName { info.name = fn.name }
        if useFile && !fn.filename.isEmpty { info.file = cleanPath(fn.filename) }
        if useLine { info.lineno = Int(line.line) }
        // A nameless node is told apart by its object and function start (pprof's rule),
        // except at `files` granularity, where one file is one node whatever function or
        // object it was compiled into (as google-pprof --files lists it).
        if info.name.isEmpty && !(granularity == .files && !info.file.isEmpty) {
          info.objfile = objfile
          info.startLine = Int(fn.startLine)
        }
        nodes.append(intern(info))
      }
      locationNodes.append(nodes)
    }

    for nodes in locationNodes {
      locationNodeStart.append(Int32(locationNodeIDs.count))
      locationNodeIDs += nodes
    }
    locationNodeStart.append(Int32(locationNodeIDs.count))

    sampleStart.reserveCapacity(profile.samples.count + 1)
    var total = 0
    for s in profile.samples { total += s.locationIDs.count }
    frames.reserveCapacity(total)
    for s in profile.samples {
      sampleStart.append(frames.count)
      for id in s.locationIDs {
        if let li = locationIndex[id] { frames.append(li) }
      }
    }
    sampleStart.append(frames.count)
  }

  var count: Int { infos.count }
}
