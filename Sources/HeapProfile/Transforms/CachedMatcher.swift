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
