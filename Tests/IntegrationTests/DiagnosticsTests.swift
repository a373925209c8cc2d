import Foundation
import HeapProfTestSupport
import XCTest

/// What the analyzer says when the input is not what it seems, through the executable:
/// wrong files, truncated dumps, rebuilt or stripped binaries, profiles it cannot place,
/// and the wording of reports on such inputs.
final class DiagnosticsTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("diagnostics")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  private func fixture(_ path: String) -> String {
    testDirectory().deletingLastPathComponent().appendingPathComponent("Fixtures/\(path)").path
  }

  /// Records `waiting.c` (compiled as `name`) for a moment and returns (program, dump).
  private func recordWaiting(_ name: String = "waiting", extra: [String] = []) throws -> (String, String) {
    let program = try RuntimeHarness.compile("waiting.c", into: dir, extra: extra, output: name)
    let prefix = dir.appendingPathComponent("\(name)-dump").path
    let r = try Products.heapprof(["record", "-o", prefix, "--", program, "0"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let dump = try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first { $0.hasPrefix(prefix + ".") })
    return (program, dump)
  }

  func testFilesThatAreNotProfilesSayWhatTheyAre() throws {
    let png = dir.appendingPathComponent("graph.png").path
    let svg = try Products.heapprof(["svg", fixture("gperftools/mapleak.0003.heap"), "-o", png])
    XCTAssertEqual(svg.status, 0, svg.stderr)
    for (file, message) in [
      (
        "/bin/true",
        "/bin/true: this is an ELF file (an executable or library), not a profile; to name the program a profile came from, use --binary PATH"
      ),
      (png, "\(png): this is a PNG image, not a profile"),
    ] {
      let r = try Products.heapprof(["top", file])
      XCTAssertEqual(r.status, 2)
      XCTAssertEqual(r.stderr, "heapprof: \(message)\n")
    }
  }

  func testTruncatedDumpSaysSoInsteadOfAnonymousFrames() throws {
    let (_, dump) = try recordWaiting()
    let whole = try Data(contentsOf: URL(fileURLWithPath: dump))
    let text = String(decoding: whole, as: UTF8.self)
    let mapsAt = try XCTUnwrap(text.range(of: "MAPPED_LIBRARIES:")).lowerBound.utf16Offset(in: text)
    for (cut, message) in [
      (mapsAt - 1, "the file is truncated: it ends before the MAPPED_LIBRARIES section"),
      (whole.count - 7, "the file is truncated: it ends in the middle of a MAPPED_LIBRARIES line"),
    ] {
      let path = dir.appendingPathComponent("cut\(cut).heap").path
      try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
      let r = try Products.heapprof(["top", path])
      XCTAssertEqual(r.status, 2, "cut at \(cut)")
      XCTAssertTrue(r.stderr.hasPrefix("heapprof: \(path):") && r.stderr.contains(message), r.stderr)
      XCTAssertFalse(r.stdout.contains("[anon]"), r.stdout)
    }
  }

  func testRebuiltBinaryIsRecognisedByItsBuildID() throws {
    let (program, dump) = try recordWaiting()
    let first = try Products.heapprof(["top", dump])
    XCTAssertEqual(first.status, 0)
    XCTAssertFalse(first.stderr.contains("warning"), first.stderr)
    XCTAssertTrue(first.stdout.contains("make_kept"), first.stdout)
    // The same source built again with other code in it: another build id, same path.
    _ = try RuntimeHarness.compile("waiting.c", into: dir, extra: ["-DREBUILT", "-O1"], output: "waiting")
    let second = try Products.heapprof(["top", dump])
    XCTAssertEqual(second.status, 0)
    XCTAssertTrue(
      second.stderr.contains("heapprof: warning: \(program) is not the binary that ran (its build id is "),
      second.stderr)
    XCTAssertTrue(
      second.stderr.contains("): it was rebuilt or replaced; its frames are shown as waiting+0xOFFSET"), second.stderr)
    XCTAssertEqual(second.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.count, 1, "worded once")
  }

  func testStrippedProgramIsNamedOnceWithTheWayToSymbols() throws {
    let (program, dump) = try recordWaiting("stripped", extra: ["-s"])
    let r = try Products.heapprof(["top", dump])
    XCTAssertEqual(r.status, 0)
    let lines = r.stderr.split(separator: "\n")
    XCTAssertEqual(lines.count, 1, r.stderr)
    XCTAssertTrue(
      lines[0].hasPrefix(
        "heapprof: warning: no symbols in a stripped file, whose frames show as FILE+0xOFFSET: \(program) ("), r.stderr)
    XCTAssertTrue(lines[0].contains("the -dbgsym package of the package that ships each file"), r.stderr)
    XCTAssertTrue(r.stdout.contains("stripped+0x"), r.stdout)
  }

  func testGoLegacyProfileWithoutBinarySaysWhy() throws {
    let r = try Products.heapprof(["top", fixture("go/mapleak.1.heap")])
    XCTAssertEqual(r.status, 0)
    XCTAssertEqual(
      r.stderr,
      "heapprof: warning: the profile has no memory map (Go's legacy text heap profile), so its addresses cannot be "
        + "symbolized without the program: pass --binary PATH naming the Go program that wrote it\n")
  }

  func testGranularityFilesListsEachFileOnce() throws {
    let r = try Products.heapprof([
      "top", "--granularity", "files", "--nodecount", "0", fixture("gperftools/mapleak.0003.heap"),
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let rows = r.stdout.split(separator: "\n").drop { !$0.contains("flat%") }.dropFirst()
    let files = rows.map { row -> String in
      let name = row.split(separator: " ", omittingEmptySubsequences: true).dropFirst(5).joined(separator: " ")
      return name.replacingOccurrences(of: " (inline)", with: "").replacingOccurrences(
        of: " (partial-inline)", with: "")
    }
    XCTAssertGreaterThan(files.count, 5)
    XCTAssertEqual(files.count, Set(files).count, "each file once:\n\(r.stdout)")
    XCTAssertTrue(files.contains("/usr/include/c++/12/bits/hashtable.h"), r.stdout)
  }

  func testBaseFromAnotherProgramIsWarnedAbout() throws {
    let r = try Products.heapprof([
      "top", "--base", fixture("jemalloc/mapleak.1.heap"), fixture("heapprof/leak.0001.heap"),
    ])
    XCTAssertTrue(
      r.stderr.contains(
        "heapprof: warning: --base \(fixture("jemalloc/mapleak.1.heap")) is a profile of mapleak, but "
          + "\(fixture("heapprof/leak.0001.heap")) is of "), r.stderr)
    XCTAssertTrue(r.stderr.contains(": the difference mixes two programs"), r.stderr)
  }

  func testSvgWritesTheFormatOfItsExtensionOrRefuses() throws {
    let profile = fixture("gperftools/mapleak.0003.heap")
    for (ext, magic) in [
      ("png", [0x89, 0x50, 0x4e, 0x47]), ("pdf", Array("%PDF".utf8).map(Int.init)),
      ("svg", Array("<?xml".utf8).map(Int.init)),
    ] {
      let out = dir.appendingPathComponent("g.\(ext)").path
      let r = try Products.heapprof(["svg", profile, "-o", out])
      XCTAssertEqual(r.status, 0, r.stderr)
      let head = try Data(contentsOf: URL(fileURLWithPath: out)).prefix(magic.count).map(Int.init)
      XCTAssertEqual(head, magic, ext)
    }
    let txt = try Products.heapprof(["svg", profile, "-o", dir.appendingPathComponent("g.txt").path])
    XCTAssertEqual(txt.status, 2)
    XCTAssertTrue(
      txt.stderr.contains("heapprof svg writes .svg, .png, .pdf, .jpg or .gif files, chosen by the extension"),
      txt.stderr)
  }

  func testAllocatorLibraryFramesWithoutSymbolsAreDropped() throws {
    // Debian's libjemalloc is stripped: its internals were shown as libjemalloc.so.2+0x… leaves.
    for command in ["top", "traces"] {
      let r = try Products.heapprof(
        [command, "--nodecount", "0", fixture("jemalloc/mapleak.3.heap")].filter {
          command == "top" || $0 != "--nodecount" && $0 != "0"
        })
      XCTAssertEqual(r.status, 0, r.stderr)
      XCTAssertFalse(r.stdout.contains("libjemalloc"), r.stdout)
      XCTAssertFalse(r.stderr.contains("libjemalloc"), "not listed as a stripped file to fix: \(r.stderr)")
    }
  }

  func testAllocSpaceOnAProfileWithoutAllocColumnsExplains() throws {
    let r = try Products.heapprof(["top", "--sample-index", "alloc_space", fixture("gperftools/sampled.heap")])
    XCTAssertEqual(r.status, 2)
    XCTAssertEqual(
      r.stderr,
      "heapprof: \(fixture("gperftools/sampled.heap")): no alloc_space: in this profile every allocation is still in use "
        + "(its alloc columns equal its in-use columns: nothing was freed, or the writer kept no allocation totals), so, as "
        + "in pprof, its values are named objects and space and stand for both; use --sample-index space\n")
  }

  func testMapsFooterSaysHowMuchTheHiddenOwnersHold() throws {
    let r = try Products.heapprof(["maps", "--limit", "1", fixture("gperftools/mapleak.0003.heap")])
    XCTAssertEqual(r.status, 0, r.stderr)
    let footer = try XCTUnwrap(r.stdout.split(separator: "\n").last)
    XCTAssertTrue(
      footer.hasPrefix("(") && footer.contains("more owner") && footer.contains("not shown, holding "), String(footer))
    XCTAssertFalse(r.stdout.contains("little or nothing"), r.stdout)
  }

  func testInlinedCPlusPlusOperatorWithTemplateArgumentsKeepsItsName() throws {
    let source = try RuntimeHarness.programSource("concat.cc", into: dir)
    let program = dir.appendingPathComponent("concat").path
    let cc = try runProgram("/usr/bin/g++", ["-O1", "-g", "-o", program, source.path])
    XCTAssertEqual(cc.status, 0, cc.stderr)
    let prefix = dir.appendingPathComponent("c").path
    XCTAssertEqual(try Products.heapprof(["record", "-o", prefix, program]).status, 0)
    let dump = try XCTUnwrap(try RuntimeHarness.dumps(in: dir).first)
    for command in ["traces", "top"] {
      let r = try Products.heapprof(
        command == "top" ? ["top", "--sample-index", "alloc_space", "--nodefraction", "0", dump] : ["traces", dump])
      XCTAssertEqual(r.status, 0, r.stderr)
      XCTAssertTrue(r.stdout.contains("std::operator+ (inline)"), r.stdout)
      XCTAssertFalse(
        r.stdout.split(separator: "\n").contains {
          $0.hasSuffix(" > (inline)") || $0.trimmingCharacters(in: .whitespaces) == "> (inline)"
        }, r.stdout)
    }
  }

  func testRecordingCPythonSaysPymallocIsInvisible() throws {
    guard let python = which("python3") else { throw RuntimeHarnessError(description: "python3 is not on PATH") }
    let r = try Products.heapprof(["record", "-o", dir.appendingPathComponent("py").path, python, "-c", "pass"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(
      r.stderr.hasPrefix("heapprof: note: CPython serves objects of 512 bytes or less from its own pymalloc arenas"),
      r.stderr)
    let quiet = try Products.heapprof(
      ["record", "-o", dir.appendingPathComponent("py2").path, python, "-c", "pass"],
      env: ["PYTHONMALLOC": "malloc"])
    XCTAssertFalse(quiet.stderr.contains("pymalloc"), quiet.stderr)
  }
}
