// MARK: - Filtering samples and frames by name

extension Profile {
  /// Filters samples and frames by function name, source file name or mapping file, as
  /// pprof's `FilterSamplesByName` (`-focus`, `-ignore`, `-hide`, `-show`).
  ///
  /// - `focus`: keep only samples with a location that matches.
  /// - `ignore`: drop samples with a location that matches (ignore wins over focus).
  /// - `hide`: remove matching frames (inlined lines) from locations; a location left
  ///   with no lines is removed from the samples.
  /// - `show`: keep only matching frames; a location left with no lines is removed.
  ///
  /// A location matches when one of its lines' function name or file name matches, or its
  /// mapping's file does; patterns match anywhere in the string. Samples left with no
  /// locations are dropped. Each function and mapping is matched at most once per pattern.
  /// - Parameters:
  ///   - focus: Regular expression, or nil.
  ///   - ignore: Regular expression, or nil.
  ///   - hide: Regular expression, or nil.
  ///   - show: Regular expression, or nil.
  /// - Returns: Which filters matched something.
  /// - Throws: ``ProfileError`` if a pattern does not compile.
  @discardableResult
  public mutating func filter(focus: String? = nil, ignore: String? = nil, hide: String? = nil, show: String? = nil)
    throws -> FilterMatches
  {
    var result = FilterMatches(focus: false, ignore: false, hide: false, show: false)
    if focus == nil && ignore == nil && hide == nil && show == nil {
      result.focus = true
      return result
    }
    let funcPos = functionPositions()
    let mapPos = mappingPositions()
    var focusM = try focus.map { try CachedMatcher($0, option: "--focus", self) }
    var ignoreM = try ignore.map { try CachedMatcher($0, option: "--ignore", self) }
    var hideM = try hide.map { try CachedMatcher($0, option: "--hide", self) }
    var showM = try show.map { try CachedMatcher($0, option: "--show", self) }

    let maxID = locations.map(\.id).max() ?? 0
    var focusOrIgnore = IDTable<Bool>(maxID: maxID, count: locations.count)
    var hidden = IDTable<Bool>(maxID: maxID, count: locations.count)
    var anyHidden = false
    for li in locations.indices {
      let loc = locations[li]
      let mp = mapPos[loc.mappingID]
      if ignoreM != nil, ignoreM?.locationMatches(loc, funcPos, mp, self) == true {
        result.ignore = true
        focusOrIgnore[loc.id] = false
      } else if focusM == nil || focusM?.locationMatches(loc, funcPos, mp, self) == true {
        result.focus = true
        focusOrIgnore[loc.id] = true
      }
      if hideM != nil, hideM?.locationMatches(loc, funcPos, mp, self) == true {
        result.hide = true
        if hideM?.mappingMatches(mp, self) == true {
          locations[li].lines = []
        } else {
          locations[li].lines = loc.lines.filter { hideM?.lineMatches($0, funcPos, self) != true }
        }
        if locations[li].lines.isEmpty {
          hidden[loc.id] = true
          anyHidden = true
        }
      }
      if showM != nil {
        let current = locations[li].lines
        if showM?.mappingMatches(mp, self) != true {
          locations[li].lines = current.filter { showM?.lineMatches($0, funcPos, self) != false }
        }
        if locations[li].lines.isEmpty {
          hidden[loc.id] = true
          anyHidden = true
        } else {
          result.show = true
        }
      }
    }

    var kept = [Sample]()
    kept.reserveCapacity(samples.count)
    nextSample: for var s in samples {
      var focused = false
      for id in s.locationIDs {
        if let f = focusOrIgnore[id] {
          if !f { continue nextSample }
          focused = true
        }
      }
      if !focused { continue }
      if anyHidden {
        s.locationIDs = s.locationIDs.filter { hidden[$0] != true }
        if s.locationIDs.isEmpty { continue }
      }
      kept.append(s)
    }
    samples = kept
    return result
  }
}
