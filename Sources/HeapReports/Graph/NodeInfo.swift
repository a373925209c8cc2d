/// What a graph node stands for: the fields pprof's `graph.NodeInfo` keys nodes by. Which
/// fields are set depends on the ``Granularity``.
public struct NodeInfo: Hashable, Sendable {
  /// Function name (empty at `files` granularity or when unsymbolized).
  public var name: String
  /// System (mangled) name; pprof leaves it empty in reports.
  public var origName: String
  /// Instruction address (only at `addresses` granularity).
  public var address: UInt64
  /// Cleaned source file name (only at `files`, `filefunctions`, `lines`, `addresses`).
  public var file: String
  /// First line of the function; set only when the node has no name.
  public var startLine: Int
  /// Source line (only at `lines` and `addresses`).
  public var lineno: Int
  /// Object file; set only when the node has no name.
  public var objfile: String

  /// Creates a node info.
  public init(
    name: String = "", origName: String = "", address: UInt64 = 0, file: String = "",
    startLine: Int = 0, lineno: Int = 0, objfile: String = ""
  ) {
    self.name = name
    self.origName = origName
    self.address = address
    self.file = file
    self.startLine = startLine
    self.lineno = lineno
    self.objfile = objfile
  }

  /// The parts of the printed name: the address as 16 hex digits, the function, then
  /// `file:line`, the file, `[objfile]` or `<unknown>` as pprof prints them.
  public var nameComponents: [String] {
    var parts: [String] = []
    if address != 0 { parts.append(hex16(address)) }
    if !name.isEmpty { parts.append(name) }
    if lineno != 0 {
      parts.append("\(file):\(lineno)")
    } else if !file.isEmpty {
      parts.append(file)
    } else if !name.isEmpty {
      // The name says it all.
    } else if !objfile.isEmpty {
      parts.append("[" + baseName(objfile) + "]")
    } else {
      parts.append("<unknown>")
    }
    return parts
  }

  /// The name printed in text reports: ``nameComponents`` joined by spaces.
  public var printableName: String { nameComponents.joined(separator: " ") }

  /// pprof's last-resort tie-break key (`fmt.Sprint` of the struct).
  var tieBreakKey: String {
    "{\(name) \(origName) \(address) \(file) \(startLine) \(lineno) \(objfile)}"
  }
}

func hex16(_ v: UInt64) -> String {
  let s = String(v, radix: 16)
  return String(repeating: "0", count: max(0, 16 - s.count)) + s
}

/// The last element of a slash-separated path, as Go's `filepath.Base`.
func baseName(_ path: String) -> String {
  if path.isEmpty { return "." }
  var p = Substring(path)
  while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
  if p == "/" { return "/" }
  if let i = p.lastIndex(of: "/") { return String(p[p.index(after: i)...]) }
  return String(p)
}

/// Go's `filepath.Clean`: the shortest equivalent path by purely lexical processing.
func cleanPath(_ path: String) -> String {
  if path.isEmpty { return "." }
  let rooted = path.hasPrefix("/")
  var out: [Substring] = []
  for part in path.split(separator: "/", omittingEmptySubsequences: true) {
    if part == "." { continue }
    if part == ".." {
      if let last = out.last, last != ".." {
        out.removeLast()
      } else if !rooted {
        out.append(part)
      }
      continue
    }
    out.append(part)
  }
  let joined = out.joined(separator: "/")
  if rooted { return "/" + joined }
  return joined.isEmpty ? "." : joined
}
