import Foundation

/// Names and finds heap dumps: `PREFIX.<pid>.<seq>.heap` (DESIGN.md §1).
enum DumpFiles {
  /// The dumps under `prefix` (all pids, or only `pid`), sorted by pid then sequence.
  static func list(prefix: String, pid: Int32? = nil) -> [String] {
    let url = URL(fileURLWithPath: RuntimeLocator.absolute(prefix))
    let dir = url.deletingLastPathComponent().path
    let base = url.lastPathComponent + "."
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
    var found: [(pid: Int, seq: Int, path: String)] = []
    for name in names where name.hasPrefix(base) && name.hasSuffix(".heap") {
      let middle = name.dropFirst(base.count).dropLast(".heap".count).split(separator: ".")
      guard middle.count == 2, let p = Int(middle[0]), let s = Int(middle[1]) else { continue }
      if let pid, p != Int(pid) { continue }
      found.append((p, s, dir == "/" ? "/" + name : dir + "/" + name))
    }
    return found.sorted { ($0.pid, $0.seq) < ($1.pid, $1.seq) }.map(\.path)
  }

  /// `path` relative to the current directory when it lies below it, for shorter messages.
  static func display(_ path: String) -> String {
    let cwd = FileManager.default.currentDirectoryPath + "/"
    return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
  }
}
