import HeapProfile

/// The samples of a profile as stacks of function names, leaf first, with the values a
/// leak hunt needs (in-use and allocated objects and bytes), for the map and growth
/// reports. Inlined frames count as frames of their own, innermost first.
public struct StackTable: Sendable {
  /// One stack with its values. Missing sample types read as nil.
  public struct Stack: Sendable {
    /// Function names, leaf (the allocating frame) first.
    public var frames: [String]
    /// ``frames`` as a dictionary key whose hash is computed once.
    var key: StackKey
    public var inuseBytes: Int64
    public var inuseObjects: Int64
    public var allocBytes: Int64?
    public var allocObjects: Int64?
    /// Where the stack enters map code, when it allocates map storage.
    var storage: MapAnalysis.StorageHit?
    /// The most in-use and allocated objects of one of the samples merged into this stack:
    /// samples whose addresses differ (two allocations of one function, as a map entry's
    /// object and its buffer) read the same by name and are merged; one of them counts
    /// objects one per entry.
    var largestSampleInuseObjects: Int64 = 0
    var largestSampleAllocObjects: Int64 = 0
  }

  /// The stacks, one per sample (samples with identical frames are merged).
  public private(set) var stacks: [Stack]
  /// The facts of every frame name of the stacks, computed once per name.
  public let frameFacts: [String: FrameFacts]
  /// Whether the profile carries allocation totals besides in-use values.
  public let hasAllocations: Bool
  /// The program's own allocation wrappers found in these stacks (``AllocationWrappers``):
  /// their facts say allocator, so that findings name their callers.
  public let wrappers: Set<String>

  /// The facts of a frame name of these stacks (computed on the spot for another name).
  public func facts(_ frame: String) -> FrameFacts { frameFacts[frame] ?? FrameClassifier.facts(of: frame) }

  /// Reads `profile`'s samples. Recognises pprof's heap sample type names:
  /// `inuse_space`/`inuse_objects`/`alloc_space`/`alloc_objects`, or `space`/`objects`.
  /// `known` holds facts already computed (by the table of another snapshot of the same
  /// program): a series classifies each name once.
  /// `policy` says which frames count as allocation wrappers besides those detected.
  public init(_ profile: Profile, known: [String: FrameFacts] = [:], policy: FramePolicy = .init()) {
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
    // Names and their facts once per location (not once per frame of every stack: a
    // profile repeats a few thousand locations over tens of thousands of stacks).
    var functionNames: [UInt64: String] = [:]
    for f in profile.functions { functionNames[f.id] = f.name.isEmpty ? f.systemName : f.name }
    var facts: [String: FrameFacts] = [:]
    func factsOf(_ name: String) -> FrameFacts {
      if let f = facts[name] { return f }
      let f = known[name] ?? FrameClassifier.facts(of: name)
      facts[name] = f
      return f
    }
    var locationFrames: [UInt64: (names: [String], facts: [FrameFacts])] = [:]
    for loc in profile.locations {
      let names =
        loc.lines.isEmpty
        ? ["0x" + String(loc.address, radix: 16)] : loc.lines.map { functionNames[$0.functionID] ?? "?" }
      locationFrames[loc.id] = (names, names.map(factsOf))
    }
    // Map types from the system names, per location, where the display names of map
    // frames carry none (C++ names are shown without template arguments, as pprof shows
    // them): two maps of different types share those display names.
    var locationTypes: [UInt64: String] = [:]
    if let demangle = policy.demangle {
      var systemNames: [UInt64: String] = [:]
      for f in profile.functions where f.systemName.hasPrefix("_Z") { systemNames[f.id] = f.systemName }
      var typesOfSymbol: [String: String?] = [:]
      for loc in profile.locations {
        guard let frames = locationFrames[loc.id] else { continue }
        for (line, facts) in zip(loc.lines, frames.facts) where facts.mapKind != nil && facts.mapTypes == nil {
          guard let symbol = systemNames[line.functionID] else { continue }
          let types: String?
          if let known = typesOfSymbol[symbol] {
            types = known
          } else {
            types = demangle(symbol).flatMap(MapTypes.extract(from:))
            typesOfSymbol[symbol] = types
          }
          if let types {
            locationTypes[loc.id] = types
            break
          }
        }
      }
    }
    var stackTypes: [Int: String] = [:]
    var merged: [StackKey: Int] = [:]
    var stacks: [Stack] = []
    for s in profile.samples {
      var frames: [String] = []
      frames.reserveCapacity(s.locationIDs.count + 4)
      for id in s.locationIDs {
        if let f = locationFrames[id] {
          frames.append(contentsOf: f.names)
        } else if idx.location[id] == nil {
          frames.append("?")
        }
      }
      func value(_ i: Int?) -> Int64? { i.flatMap { $0 < s.values.count ? s.values[$0] : nil } }
      // Stacks of two maps of different types read the same (C++ display names carry no
      // template arguments): the types keep them apart.
      let types = locationTypes.isEmpty ? nil : s.locationIDs.lazy.compactMap({ locationTypes[$0] }).first
      let key = StackKey(types.map { frames + ["\u{0}types " + $0] } ?? frames)
      var stack = Stack(
        frames: frames, key: key, inuseBytes: value(inuseSpace) ?? 0, inuseObjects: value(inuseObjects) ?? 0,
        allocBytes: value(allocSpace), allocObjects: value(allocObjects))
      stack.largestSampleInuseObjects = stack.inuseObjects
      stack.largestSampleAllocObjects = stack.allocObjects ?? 0
      if let at = merged[key] {
        stacks[at].largestSampleInuseObjects = max(stacks[at].largestSampleInuseObjects, stack.inuseObjects)
        stacks[at].largestSampleAllocObjects = max(stacks[at].largestSampleAllocObjects, stack.allocObjects ?? 0)
        stacks[at].inuseBytes += stack.inuseBytes
        stacks[at].inuseObjects += stack.inuseObjects
        if let b = stack.allocBytes { stacks[at].allocBytes = (stacks[at].allocBytes ?? 0) + b }
        if let o = stack.allocObjects { stacks[at].allocObjects = (stacks[at].allocObjects ?? 0) + o }
      } else {
        merged[key] = stacks.count
        if let types { stackTypes[stacks.count] = types }
        stacks.append(stack)
      }
    }
    // Wrappers are a property of the whole profile: found once every stack is known, then
    // their facts become an allocator's (a wrapper found in an earlier snapshot of the
    // series arrives through `known` already so).
    let wrappers = AllocationWrappers.detect(in: stacks.map(\.frames), facts: factsOf, policy: policy)
    for w in wrappers {
      var f = factsOf(w)
      f.isAllocator = true
      f.isLibrary = true
      facts[w] = f
    }
    for i in stacks.indices {
      stacks[i].storage = MapAnalysis.storageFrame(
        stacks[i].frames, facts: stacks[i].frames.map { facts[$0] ?? factsOf($0) })
      if stacks[i].storage != nil, stacks[i].storage?.types == nil, let types = stackTypes[i] {
        stacks[i].storage?.types = types
      }
    }
    self.stacks = stacks
    self.frameFacts = facts
    self.wrappers = wrappers
  }
}

/// A stack's frames as a dictionary key: the hash of the names is computed once, so that
/// tables of tens of thousands of stacks (and series of them) do not hash every name of
/// every stack at each lookup.
struct StackKey: Hashable, Sendable {
  let frames: [String]
  let hash: Int

  init(_ frames: [String]) {
    self.frames = frames
    var h = Hasher()
    h.combine(frames)
    hash = h.finalize()
  }

  func hash(into hasher: inout Hasher) { hasher.combine(hash) }

  static func == (a: StackKey, b: StackKey) -> Bool { a.hash == b.hash && a.frames == b.frames }
}
