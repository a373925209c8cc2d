import Foundation
import HeapProfTestSupport
import XCTest

@testable import HeapProfile

/// The folder of committed fixtures.
let fixturesDirectory = packageRoot().appendingPathComponent("Tests/Fixtures")

/// The path of fixture `name` (relative to Tests/Fixtures).
func fixture(_ name: String) -> String { fixturesDirectory.appendingPathComponent(name).path }

/// The sum of each sample type's values.
func totals(_ p: Profile) -> [Int64] {
  var t = [Int64](repeating: 0, count: p.sampleTypes.count)
  for s in p.samples {
    for (i, v) in s.values.enumerated() { t[i] += v }
  }
  return t
}

/// The error `body` throws, as a ``ProfileError``; fails the test if it throws none.
func profileError(
  _ body: () throws -> Profile, file: StaticString = #filePath, line: UInt = #line
) -> ProfileError? {
  do {
    _ = try body()
    XCTFail("no error thrown", file: file, line: line)
  } catch let e as ProfileError {
    return e
  } catch {
    XCTFail("unexpected error type: \(error)", file: file, line: line)
  }
  return nil
}

/// Parses `text` as an in-memory profile named `test.heap`.
func parseText(_ text: String) throws -> Profile {
  try ProfileReader.parse(Array(text.utf8), source: "test.heap")
}

/// `go tool pprof ARGS` through the tests' one runner (``GoPprof``); returns stdout.
func goPprof(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
  let go = try GoPprof()
  defer { go.remove() }
  return try go.run(args, file: file, line: line)
}
