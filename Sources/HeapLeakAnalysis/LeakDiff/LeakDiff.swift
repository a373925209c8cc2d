import HeapProfile

/// What grew between two heap profiles of one process: the profile after minus the one
/// before (``HeapProfile/Profile/subtracting(base:)``, pprof's `-base`), read as stacks;
/// every stack whose live bytes and live objects both grew is a leak site.
public enum LeakDiff {
  /// One stack that grew.
  public struct Site: Sendable, Equatable {
    /// Frames from the allocating function to the entry point, leaf first, allocator
    /// frames left out.
    public var frames: [String]
    /// Growth of in-use bytes.
    public var bytes: Int64
    /// Growth of live objects.
    public var objects: Int64
  }

  /// The stacks of `after` whose in-use bytes and objects grew since `before`, most bytes
  /// first. Both must be symbolized the same way; a profile whose alloc columns equal its
  /// in-use ones (two sample types) is compared with one that has four as if it had them.
  /// - Throws: ``HeapProfile/ProfileError`` when the two profiles are of different kinds.
  public static func grownSites(before: Profile, after: Profile) throws -> [Site] {
    let difference = try withAllocColumns(after).subtracting(base: withAllocColumns(before))
    var sites: [Site] = []
    for stack in StackTable(difference).stacks where stack.inuseBytes > 0 && stack.inuseObjects > 0 {
      var frames = stack.frames[...]
      while let f = frames.first, AllocatorFrames.isAllocator(f) { frames = frames.dropFirst() }
      sites.append(Site(frames: Array(frames), bytes: stack.inuseBytes, objects: stack.inuseObjects))
    }
    return sites.sorted { ($0.bytes, $0.objects, $1.frames.joined()) > ($1.bytes, $1.objects, $0.frames.joined()) }
  }

  /// `p` with pprof's four heap sample types: a legacy profile whose alloc columns equal
  /// its in-use columns has only `objects` and `space`, which stand for both.
  static func withAllocColumns(_ p: Profile) -> Profile {
    guard p.sampleTypes.map(\.type) == ["objects", "space"] else { return p }
    var q = p
    q.sampleTypes = ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"].map {
      ValueType(type: $0, unit: $0.hasSuffix("objects") ? "count" : "bytes")
    }
    for i in q.samples.indices { q.samples[i].values = q.samples[i].values + q.samples[i].values }
    q.defaultSampleType = ""
    return q
  }
}
