import Foundation
import XCTest

/// Test helpers shared by every test target: golden files, fixture paths and running
/// programs. Used only by tests.

/// Compares `actual` with the golden file at `path` (absolute, or relative to the
/// directory of the calling test file) byte for byte.
///
/// With `HEAPPROF_UPDATE_GOLDENS=1` in the environment the golden is rewritten and the
/// test fails, so that nobody records a new baseline by accident. A mismatch fails with a
/// unified diff.
public func assertGolden(
  _ actual: String, _ path: String, file: StaticString = #filePath, line: UInt = #line
) {
  let url = goldenURL(path, testFile: "\(file)")
  if ProcessInfo.processInfo.environment["HEAPPROF_UPDATE_GOLDENS"] == "1" {
    try? FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try? actual.write(to: url, atomically: true, encoding: .utf8)
    XCTFail("golden \(url.path) rewritten; run again without HEAPPROF_UPDATE_GOLDENS", file: file, line: line)
    return
  }
  guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
    XCTFail("golden \(url.path) is missing; create it with HEAPPROF_UPDATE_GOLDENS=1", file: file, line: line)
    return
  }
  if expected != actual {
    XCTFail(
      "output differs from golden \(url.path):\n\(unifiedDiff(expected: expected, actual: actual))", file: file,
      line: line)
  }
}

/// The directory that holds the test file `testFile` (pass `#filePath`).
public func testDirectory(_ testFile: String = #filePath) -> URL {
  URL(fileURLWithPath: testFile).deletingLastPathComponent()
}

/// The root of the package checkout (the directory holding Package.swift).
public func packageRoot(_ testFile: String = #filePath) -> URL {
  var dir = URL(fileURLWithPath: testFile).deletingLastPathComponent()
  while dir.path != "/" {
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
    dir = dir.deletingLastPathComponent()
  }
  return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}

func goldenURL(_ path: String, testFile: String) -> URL {
  if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
  return testDirectory(testFile).appendingPathComponent(path)
}

/// A unified diff of two texts made by `diff -u` (falls back to both texts).
public func unifiedDiff(expected: String, actual: String) -> String {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-diff-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: dir) }
  let a = dir.appendingPathComponent("expected"), b = dir.appendingPathComponent("actual")
  try? expected.write(to: a, atomically: true, encoding: .utf8)
  try? actual.write(to: b, atomically: true, encoding: .utf8)
  if let r = try? runProgram("/usr/bin/diff", ["-u", a.path, b.path]) { return r.stdout }
  return "--- expected\n\(expected)\n+++ actual\n\(actual)"
}
