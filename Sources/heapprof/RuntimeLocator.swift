import Foundation

/// Finds `libheapprof.so`, the preloaded runtime: `HEAPPROF_RUNTIME` when set, else the
/// file next to the `heapprof` executable (where tools/build-runtime.sh puts it), else
/// `../lib/heapprof/libheapprof.so` from it (where tools/install puts it).
enum RuntimeLocator {
  static let libraryName = "libheapprof.so"

  static func locate(environment: [String: String] = System.currentEnvironment) throws -> String {
    if let override = environment["HEAPPROF_RUNTIME"], !override.isEmpty {
      guard FileManager.default.fileExists(atPath: override) else {
        throw CLIError("HEAPPROF_RUNTIME names \(override), which does not exist")
      }
      return absolute(override)
    }
    let exe = URL(fileURLWithPath: System.executablePath()).resolvingSymlinksInPath()
    let candidate = exe.deletingLastPathComponent().appendingPathComponent(libraryName).path
    let installed = exe.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("lib/heapprof/\(libraryName)").path
    if !FileManager.default.fileExists(atPath: candidate), FileManager.default.fileExists(atPath: installed) {
      return installed
    }
    guard FileManager.default.fileExists(atPath: candidate) else {
      throw CLIError(
        "cannot find the runtime \(candidate); build it with tools/build-runtime.sh "
          + "\(exe.deletingLastPathComponent().path) or set HEAPPROF_RUNTIME to its path")
    }
    return candidate
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
