// MARK: - Pruning allocator frames (drop_frames / keep_frames)

extension Profile {
  /// Removes uninteresting frames from the leaf end of every stack, as pprof's `Prune`.
  ///
  /// A location whose (simplified) function name matches `drop` and not `keep` is a
  /// prune point: it and everything it called (toward the leaf) are removed from each
  /// sample, unless only prune points lie above it toward the root (so that no stack
  /// becomes empty). When the match is an inlined frame, the location keeps only its
  /// caller lines. Patterns must match the whole name: they are wrapped as `^(...)$`.
  /// Names are simplified first: a leading `.` and everything from the first `(` that
  /// does not start `(anonymous namespace)` or `operator()` are removed.
  /// - Parameters:
  ///   - drop: Regular expression of frames to drop, e.g. ``AllocatorFrames.dropFramesRegex``.
  ///   - keep: Regular expression of frames to keep although `drop` matches; `""` for none.
  /// - Throws: ``ProfileError`` if a pattern does not compile.
  public mutating func prune(drop: String, keep: String = "") throws {
    let dropRx = try NameRegex("^(" + drop + ")$", option: "drop_frames")
    let keepRx = keep.isEmpty ? nil : try NameRegex("^(" + keep + ")$", option: "keep_frames")
    var cache = [Bool?](repeating: nil, count: functions.count)
    let funcPos = functionPositions()
    func pruneFromHere(_ functionID: UInt64) -> Bool {
      guard let fi = funcPos[functionID] else { return false }
      if let known = cache[fi] { return known }
      let name = functions[fi].name
      var result = false
      if !name.isEmpty {
        let simple = Profile.simplifiedFunctionName(name)
        result = dropRx.matches(simple) && !(keepRx?.matches(simple) ?? false)
      }
      cache[fi] = result
      return result
    }
    let maxID = locations.map(\.id).max() ?? 0
    var prune = IDTable<Bool>(maxID: maxID, count: locations.count)
    var pruneBeneath = IDTable<Bool>(maxID: maxID, count: locations.count)
    for li in locations.indices {
      let lines = locations[li].lines
      var i = lines.count - 1
      while i >= 0 && !pruneFromHere(lines[i].functionID) { i -= 1 }
      if i >= 0 {
        pruneBeneath[locations[li].id] = true
        if i == lines.count - 1 {
          prune[locations[li].id] = true
        } else {
          locations[li].lines = Array(lines[(i + 1)...])
        }
      }
    }
    for si in samples.indices {
      let ids = samples[si].locationIDs
      var foundUser = false
      var i = ids.count - 1
      while i >= 0 {
        let id = ids[i]
        let p = prune[id] ?? false, b = pruneBeneath[id] ?? false
        if !p && !b {
          foundUser = true
        } else if foundUser {
          samples[si].locationIDs = Array(ids[(p ? i + 1 : i)...])
          break
        }
        i -= 1
      }
    }
  }

  /// Applies the profile's own ``dropFrames`` and ``keepFrames`` with ``prune(drop:keep:)``
  /// (pprof's `RemoveUninteresting`); does nothing when ``dropFrames`` is empty.
  /// - Throws: ``ProfileError`` if a pattern does not compile.
  public mutating func removeUninteresting() throws {
    guard !dropFrames.isEmpty else { return }
    try prune(drop: dropFrames, keep: keepFrames)
  }

  /// pprof's `simplifyFunc`: the name without a leading `.` and without its parameter list.
  public static func simplifiedFunctionName(_ name: String) -> String {
    var s = Substring(name)
    if s.hasPrefix(".") { s = s.dropFirst() }
    var i = s.startIndex
    while i < s.endIndex {
      let rest = s[i...]
      if rest.hasPrefix("(anonymous namespace)") {
        i = s.index(i, offsetBy: "(anonymous namespace)".count)
      } else if rest.hasPrefix("operator()") {
        i = s.index(i, offsetBy: "operator()".count)
      } else if s[i] == "(" {
        return String(s[..<i])
      } else {
        i = s.index(after: i)
      }
    }
    return String(s)
  }
}
