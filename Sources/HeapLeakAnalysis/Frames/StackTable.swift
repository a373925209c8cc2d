import HeapProfile

/// The samples of a profile as stacks of function names, leaf first, with the values a
/// leak hunt needs (in-use and allocated objects and bytes), for the map and growth
/// reports. Inlined frames count as frames of their own, innermost first.
public struct StackTable: Sendable {
  /// One stack with its values. Missing sample types read as nil.
  public struct Stack: Sendable {
    /// Function names, leaf (the allocating frame) first.
    public var frames: [String]
    public var inuseBytes: Int64
    public var inuseObjects: Int64
    public var allocBytes: Int64?
    public var allocObjects: Int64?
    /// Where the stack enters map code, when it allocates map storage.
    var storage: (kind: MapKind, ownerIndex: Int, types: String?)?
  }

  /// The stacks, one per sample (samples with identical frames are merged).
  public private(set) var stacks: [Stack]
  /// The facts of every frame name of the stacks, computed once per name.
  public let frameFacts: [String: FrameFacts]
  /// Whether the profile carries allocation totals besides in-use values.
  public let hasAllocations: Bool

  /// Reads `profile`'s samples. Recognises pprof's heap sample type names:
  /// `inuse_space`/`inuse_objects`/`alloc_space`/`alloc_objects`, or `space`/`objects`.
  /// The facts of a frame name of these stacks (computed on the spot for another name).
  public func facts(_ frame: String) -> FrameFacts { frameFacts[frame] ?? FrameClassifier.facts(of: frame) }

  public init(_ profile: Profile) {
    let names = profile.sampleTypes.map(\.type)
    func index(_ candidates: String...) -> Int? {
      for c in candidates { if let i = names.firstIndex(of: c) { return i } }
      return nil
    }
    let inuseSpace = index("inuse_space", "space")
    let inuseObjects = index("inuse_objects", "objects")
    let allocSpace = index("alloc_space")
    let allocObjects = index("alloc_objects")
    hasAllocations = allocSpace != nil
    let idx = ProfileIndex(profile)
    var functionNames: [UInt64: String] = [:]
    for f in profile.functions { functionNames[f.id] = f.name.isEmpty ? f.systemName : f.name }
    var locationFrames: [UInt64: [String]] = [:]
    for loc in profile.locations {
      if loc.lines.isEmpty {
        locationFrames[loc.id] = ["0x" + String(loc.address, radix: 16)]
      } else {
        locationFrames[loc.id] = loc.lines.map { functionNames[$0.functionID] ?? "?" }
      }
    }
    var merged: [[String]: Int] = [:]
    var stacks: [Stack] = []
    for s in profile.samples {
      var frames: [String] = []
      frames.reserveCapacity(s.locationIDs.count + 4)
      for id in s.locationIDs {
        if let f = locationFrames[id] { frames.append(contentsOf: f) } else if idx.location[id] == nil { frames.append("?") }
      }
      func value(_ i: Int?) -> Int64? { i.flatMap { $0 < s.values.count ? s.values[$0] : nil } }
      let stack = Stack(
        frames: frames, inuseBytes: value(inuseSpace) ?? 0, inuseObjects: value(inuseObjects) ?? 0,
        allocBytes: value(allocSpace), allocObjects: value(allocObjects))
      if let at = merged[frames] {
        stacks[at].inuseBytes += stack.inuseBytes
        stacks[at].inuseObjects += stack.inuseObjects
        if let b = stack.allocBytes { stacks[at].allocBytes = (stacks[at].allocBytes ?? 0) + b }
        if let o = stack.allocObjects { stacks[at].allocObjects = (stacks[at].allocObjects ?? 0) + o }
      } else {
        merged[frames] = stacks.count
        stacks.append(stack)
      }
    }
    var facts: [String: FrameFacts] = [:]
    for stack in stacks {
      for f in stack.frames where facts[f] == nil { facts[f] = FrameClassifier.facts(of: f) }
    }
    for i in stacks.indices {
      stacks[i].storage = MapAnalysis.storageFrame(stacks[i].frames) { facts[$0] ?? FrameClassifier.facts(of: $0) }
    }
    self.stacks = stacks
    self.frameFacts = facts
  }
}
