import Foundation
import HeapProfile
import HeapReports

/// The refinement state of a view, from the URL's query, under pprof's parameter names so
/// that a link reproduces the view: `si` sample index, `f` focus, `i` ignore, `h` hide,
/// `s` show, `g` granularity; and heapprof's: `p` snapshot, `b` base snapshot (diff),
/// `inv` inverted flame graph, `re` the regex of peek and source, `n` graph node count.
/// Unknown parameters are ignored, as pprof ignores them.
struct WebQuery: Equatable {
  var sampleIndex: String?
  var refinement = Refinement()
  var granularity: Granularity = .functions
  var snapshot: Int?
  var base: Int?
  var inverted = false
  var regex: String?
  var nodeCount: Int?

  /// The longest query string accepted, and the longest value.
  static let maxQueryLength = 8192
  static let maxValueLength = 1024

  /// A query that cannot be used: the status and one line for the user.
  struct Failure: Error, Equatable {
    var status: Int
    var message: String
  }

  /// Parses `query` (the part after `?`, percent-encoded; `+` is a space).
  init(_ query: String) throws {
    guard query.utf8.count <= Self.maxQueryLength else {
      throw Failure(status: 400, message: "the query is longer than \(Self.maxQueryLength) bytes")
    }
    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
      let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard let key = Self.decode(kv[0]), let value = Self.decode(kv.count > 1 ? kv[1] : "") else {
        throw Failure(status: 400, message: "the query parameter '\(pair.prefix(40))' is not valid percent-encoding")
      }
      guard value.utf8.count <= Self.maxValueLength else {
        throw Failure(
          status: 400, message: "the value of '\(key.prefix(20))' is longer than \(Self.maxValueLength) bytes")
      }
      let nonEmpty = value.isEmpty ? nil : value
      switch key {
      case "si": sampleIndex = nonEmpty
      case "f": refinement.focus = nonEmpty
      case "i": refinement.ignore = nonEmpty
      case "h": refinement.hide = nonEmpty
      case "s": refinement.show = nonEmpty
      case "re": regex = nonEmpty
      case "g":
        guard let g = value.isEmpty ? .functions : Granularity(rawValue: value) else {
          throw Failure(
            status: 400,
            message: "g=\(value.prefix(40)) is not a granularity (functions, filefunctions, files, lines, addresses)")
        }
        granularity = g
      case "p", "b", "n":
        guard value.isEmpty || (value.count <= 9 && Int(value) != nil && Int(value)! >= 0) else {
          throw Failure(status: 400, message: "\(key)=\(value.prefix(40)) is not a number")
        }
        let n = Int(value)
        if key == "p" { snapshot = n } else if key == "b" { base = n } else { nodeCount = n }
      case "inv": inverted = value == "1" || value == "true"
      default: continue
      }
    }
    for (name, pattern) in refinement.activeFilters + [("re", regex)].compactMap({ k, v in v.map { (k, $0) } }) {
      guard (try? NSRegularExpression(pattern: pattern)) != nil else {
        throw Failure(status: 400, message: "\(name)=\(pattern.prefix(60)) is not a valid regular expression")
      }
    }
  }

  private static func decode(_ s: Substring) -> String? {
    String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
  }

  /// The sample index to use for `profile`: `si` by name or number, else its default.
  func sampleIndex(for profile: Profile) throws -> Int {
    guard let text = sampleIndex else { return profile.defaultSampleIndex }
    if let i = Int(text), profile.sampleTypes.indices.contains(i) { return i }
    if let i = profile.sampleTypeIndex(named: text) { return i }
    let alias = [
      "inuse_space": "space", "inuse_objects": "objects", "alloc_space": "space", "alloc_objects": "objects",
    ]
    if let a = alias[text], let i = profile.sampleTypeIndex(named: a) { return i }
    let names = profile.sampleTypes.map(\.type).joined(separator: ", ")
    throw Failure(status: 400, message: "si=\(text.prefix(40)): this profile's sample types are \(names)")
  }

  /// A cache key: the query in a normal form.
  var key: String {
    "\(sampleIndex ?? "")|\(refinement.focus ?? "")|\(refinement.ignore ?? "")|\(refinement.hide ?? "")|"
      + "\(refinement.show ?? "")|\(granularity.rawValue)|\(snapshot.map(String.init) ?? "")|"
      + "\(base.map(String.init) ?? "")|\(inverted)|\(regex ?? "")|\(nodeCount.map(String.init) ?? "")"
  }
}
