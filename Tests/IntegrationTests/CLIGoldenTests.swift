import Foundation
import HeapProfTestSupport
import XCTest

/// The exact output of every report command of the `heapprof` executable on the committed
/// fixtures, in one table of cases like pprof's driver tests. Each golden holds stdout,
/// then stderr and the exit status, and is named after the invocation. Goldens change
/// only with `HEAPPROF_UPDATE_GOLDENS=1` (the test then fails once, so that a new
/// baseline is never recorded by accident); review them like code.
final class CLIGoldenTests: XCTestCase {
  /// One invocation: the golden's name and the arguments (paths relative to Tests/Fixtures).
  struct Case {
    var name: String
    var arguments: [String]
  }

  // Outputs that name frames of the system's libc/libstdc++ assume Debian 12's (as CI runs);
  // heapprof's hand-written fixtures are left out: their made-up libc addresses would name
  // whatever symbol this machine's libc has there.
  static let cases: [Case] = [
    // pprof reports on a gperftools dump of a C++ program (symbolized from the binary kept
    // beside the dumps and the system's libraries).
    Case(name: "gperftools.top", arguments: ["top", "gperftools/mapleak.0003.heap"]),
    Case(
      name: "gperftools.top.cum.alloc_space",
      arguments: ["top", "--cum", "--sample-index", "alloc_space", "gperftools/mapleak.0003.heap"]),
    Case(
      name: "gperftools.top.granularity_files",
      arguments: ["top", "--granularity", "files", "gperftools/mapleak.0003.heap"]),
    Case(
      name: "gperftools.top.base",
      arguments: ["top", "--base", "gperftools/mapleak.0001.heap", "gperftools/mapleak.0003.heap"]),
    Case(name: "gperftools.top.focus_store", arguments: ["top", "--focus", "store", "gperftools/mapleak.0003.heap"]),
    Case(name: "gperftools.traces", arguments: ["traces", "gperftools/mapleak.0002.heap"]),
    Case(name: "gperftools.peek.store", arguments: ["peek", "store", "gperftools/mapleak.0003.heap"]),
    Case(name: "gperftools.dot.nodecount8", arguments: ["dot", "--nodecount", "8", "gperftools/mapleak.0003.heap"]),
    Case(name: "gperftools.folded", arguments: ["folded", "gperftools/mapleak.0003.heap"]),
    Case(name: "gperftools.maps", arguments: ["maps", "gperftools/mapleak.0003.heap"]),
    Case(
      name: "gperftools.growth",
      arguments: [
        "growth", "gperftools/mapleak.0001.heap", "gperftools/mapleak.0002.heap", "gperftools/mapleak.0003.heap",
      ]),
    Case(
      name: "gperftools.growth.json",
      arguments: [
        "growth", "--format", "json", "gperftools/mapleak.0001.heap", "gperftools/mapleak.0002.heap",
        "gperftools/mapleak.0003.heap",
      ]),
    // jemalloc heap_v2.
    Case(name: "jemalloc.top", arguments: ["top", "jemalloc/mapleak.3.heap"]),
    Case(name: "jemalloc.maps", arguments: ["maps", "jemalloc/mapleak.3.heap"]),
    // Go: protobuf as Go writes it, and legacy text with and without the binary.
    Case(name: "go.top.pb", arguments: ["top", "go/mapleak.3.pb.gz"]),
    Case(
      name: "go.top.cum.inuse_objects.pb",
      arguments: ["top", "--cum", "--sample-index", "inuse_objects", "go/mapleak.3.pb.gz"]),
    Case(name: "go.maps.pb", arguments: ["maps", "go/mapleak.3.pb.gz"]),
    Case(name: "go.maps.legacy.nobinary", arguments: ["maps", "go/mapleak.3.heap"]),
    Case(name: "go.top.legacy.nobinary", arguments: ["top", "--nodecount", "5", "go/mapleak.1.heap"]),
    Case(
      name: "gomaps.growth.binary",
      arguments: [
        "growth", "--binary", "gomaps/sessionleak", "gomaps/sessionleak.1.heap", "gomaps/sessionleak.2.heap",
        "gomaps/sessionleak.3.heap",
      ]),
    Case(
      name: "gomaps.maps.binary", arguments: ["maps", "--binary", "gomaps/sessionleak", "gomaps/sessionleak.3.heap"]),
    // Errors: one line, exit status 2.
    Case(name: "error.no_such_file", arguments: ["top", "nonexistent.heap"]),
    Case(name: "error.sample_index", arguments: ["top", "--sample-index", "alloc_space", "gperftools/sampled.heap"]),
    Case(name: "error.peek_no_match", arguments: ["peek", "NoSuchFunctionAnywhere", "gperftools/mapleak.0003.heap"]),
  ]

  static var fixtures: URL { testDirectory().deletingLastPathComponent().appendingPathComponent("Fixtures") }

  func testEveryCaseMatchesItsGolden() throws {
    for c in Self.cases {
      let r = try Products.heapprof(c.arguments, env: ["TZ": "UTC"], in: Self.fixtures)
      let text = r.stdout + "--- stderr\n" + r.stderr + "--- status \(r.status)\n"
      assertGolden(text, "Golden/cli/\(c.name).txt")
    }
  }

  /// Every golden file belongs to a case (a renamed case must not leave its old golden).
  func testNoOrphanGoldens() throws {
    let dir = testDirectory().appendingPathComponent("Golden/cli")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".txt") }
    XCTAssertEqual(Set(files), Set(Self.cases.map { "\($0.name).txt" }))
  }
}
