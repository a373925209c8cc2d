import Foundation

/// Names and finds heap dumps: `PREFIX.<pid>.<seq>.heap` (DESIGN.md §1).
enum DumpFiles {
  /// One dump file and the pid and sequence number its name carries.
  struct Entry: Equatable {
    var pid: Int32
    var seq: Int
    var path: String
  }

  /// The dumps under `prefix` (all pids, or only `pid`), sorted by pid then sequence.
  static func list(prefix: String, pid: Int32? = nil) -> [String] {
    entries(prefix: prefix, pid: pid).map(\.path)
  }

  /// The dumps under `prefix` with their pids, sorted by pid then sequence.
  static func entries(prefix: String, pid: Int32? = nil) -> [Entry] {
    let url = URL(fileURLWithPath: RuntimeLocator.absolute(prefix))
    let dir = url.deletingLastPathComponent().path
    let base = url.lastPathComponent + "."
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
    var found: [Entry] = []
    for name in names where name.hasPrefix(base) && name.hasSuffix(".heap") {
      let middle = name.dropFirst(base.count).dropLast(".heap".count).split(separator: ".")
      guard middle.count == 2, let p = Int32(middle[0]), let s = Int(middle[1]) else { continue }
      if let pid, p != pid { continue }
      found.append(Entry(pid: p, seq: s, path: dir == "/" ? "/" + name : dir + "/" + name))
    }
    return found.sorted { ($0.pid, $0.seq) < ($1.pid, $1.seq) }
  }

  /// The words of a heapprof dump's `# heapprof:` line (`pid`, `session`, `reason`...),
  /// or nil when the file has none (not a heapprof dump, or unreadable).
  static func metadata(_ path: String) -> [String: String]? {
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
    let marker = Data("\n# heapprof:".utf8)
    guard let found = data.range(of: marker) else { return nil }
    let rest = data[found.upperBound...]
    let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
    var words: [String: String] = [:]
    for word in String(decoding: rest[..<end], as: UTF8.self).split(separator: " ") {
      let kv = word.split(separator: "=", maxSplits: 1)
      words[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
    }
    return words
  }

  /// `path` relative to the current directory when it lies below it, for shorter messages.
  static func display(_ path: String) -> String {
    let cwd = FileManager.default.currentDirectoryPath + "/"
    return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
  }
}
