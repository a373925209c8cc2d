import Foundation
import HeapProfile
import XCTest

/// The one runner of the real `go tool pprof` in the tests: in a private scratch directory
/// (its HOME, PPROF_TMPDIR and GOCACHE), with TZ=UTC so that `Time:` lines are stable.
/// Profiles written with ``write`` go there; ``remove()`` deletes everything.
public struct GoPprof {
  /// The `go` executable.
  public let go: String
  /// The scratch directory.
  public let directory: URL
  /// The environment `go tool pprof` runs with.
  public var environment: [String: String] {
    [
      "TZ": "UTC", "HOME": directory.path, "PPROF_TMPDIR": directory.path, "GOCACHE": directory.path + "/cache",
      "GOFLAGS": "", "GOTOOLCHAIN": "local",
    ]
  }

  /// Finds `go` and makes the scratch directory.
  public init() throws {
    go = try XCTUnwrap(which("go"), "go is not on PATH; tools/test installs golang-go")
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-pprof-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  /// Writes `profile` as gzipped protobuf named `name`; returns its path.
  public func write(_ profile: Profile, as name: String) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try profile.pprofData(gzip: true).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// `go tool pprof ARGS`; asserts exit status 0 and returns stdout.
  public func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try runProgram(go, ["tool", "pprof"] + args, environment: environment)
    XCTAssertEqual(r.status, 0, "go tool pprof \(args): \(r.stderr)", file: file, line: line)
    return r.stdout
  }

  /// Deletes the scratch directory.
  public func remove() { try? FileManager.default.removeItem(at: directory) }
}
