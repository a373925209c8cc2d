// MARK: - Filtering samples and frames by name

/// Which of the filters given to ``Profile/filter(focus:ignore:hide:show:)`` matched
/// anything, so that a caller can warn about a pattern that matched nothing.
public struct FilterMatches: Sendable, Equatable {
  /// `focus` matched a location (true when no focus was given).
  public var focus: Bool
  /// `ignore` matched a location.
  public var ignore: Bool
  /// `hide` matched a location.
  public var hide: Bool
  /// `show` matched a location.
  public var show: Bool
}

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

/// A name regex with per-function and per-mapping caches of its results.
struct CachedMatcher {
  let regex: NameRegex
  private var functionResults: [Bool?]
  private var mappingResults: [Bool?]

  init(_ pattern: String, option: String, _ p: Profile) throws {
    regex = try NameRegex(pattern, option: option)
    functionResults = Array(repeating: nil, count: p.functions.count)
    mappingResults = Array(repeating: nil, count: p.mappings.count)
  }

  /// Whether the line's function name or file name matches; nil when the function is unknown.
  mutating func lineMatches(_ line: Line, _ funcPos: IDTable<Int>, _ p: Profile) -> Bool? {
    guard let fi = funcPos[line.functionID] else { return nil }
    if let known = functionResults[fi] { return known }
    let f = p.functions[fi]
    let r = regex.matches(f.name) || regex.matches(f.filename)
    functionResults[fi] = r
    return r
  }

  /// Whether the mapping at position `mp` has a matching file.
  mutating func mappingMatches(_ mp: Int?, _ p: Profile) -> Bool {
    guard let mp else { return false }
    if let known = mappingResults[mp] { return known }
    let r = regex.matches(p.mappings[mp].file)
    mappingResults[mp] = r
    return r
  }

  /// pprof's `Location.matchesName`.
  mutating func locationMatches(_ loc: Location, _ funcPos: IDTable<Int>, _ mp: Int?, _ p: Profile) -> Bool {
    for line in loc.lines where lineMatches(line, funcPos, p) == true { return true }
    return mappingMatches(mp, p)
  }
}
