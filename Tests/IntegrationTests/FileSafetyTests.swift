import Foundation
import HeapProfTestSupport
import XCTest

/// No surprises with files (issue 6 §4): `record` never overwrites an existing dump;
/// `proto`, `svg` and `dot -o` refuse to overwrite their inputs; outputs are new files of
/// mode 0600 that replace (never follow) a symlink planted at the path. The CLI side is
/// Sources/heapprof/OutputFile.swift, the runtime side dump_writer.c.
final class FileSafetyTests: XCTestCase {
  private var dir: URL!

  override func setUpWithError() throws {
    dir = try RuntimeHarness.temporaryDirectory("filesafety")
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: dir)
  }

  private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

  /// Compiles a C program given as text into the test directory.
  private func compileC(_ name: String, _ source: String) throws -> String {
    let src = path(name + ".c"), exe = path(name)
    try source.write(toFile: src, atomically: true, encoding: .utf8)
    let r = try runProgram("/usr/bin/cc", ["-g", "-O0", "-o", exe, src])
    guard r.status == 0 else { throw RuntimeHarnessError(description: "cc \(src) failed: \(r.stderr)") }
    return exe
  }

  /// A dump of /bin/true recorded into the test directory; returns its path.
  private func recordedDump() throws -> String {
    let r = try Products.heapprof(["record", "-o", path("in"), "--", "/bin/true"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 1)
    return try XCTUnwrap(dumps.first)
  }

  private func mode(_ p: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue ?? -1
  }

  // MARK: - record

  /// The program itself creates PREFIX.<pid>.0001.heap before the exit dump: the runtime
  /// leaves it alone and writes 0002.
  func testRecordNeverOverwritesAnExistingDump() throws {
    let exe = try compileC(
      "precreate",
      """
      #include <stdio.h>
      #include <stdlib.h>
      #include <unistd.h>
      int main(int argc, char **argv) {
        char path[4200];
        snprintf(path, sizeof path, "%s.%d.0001.heap", argv[1], (int)getpid());
        FILE *f = fopen(path, "w");
        fputs("precious\\n", f);
        fclose(f);
        void *volatile p = malloc(100);
        (void)p;
        return 0;
      }
      """)
    let r = try Products.heapprof(["record", "-o", path("p"), "--", exe, path("p")])
    XCTAssertEqual(r.status, 0, r.stderr)
    let dumps = try RuntimeHarness.dumps(in: dir)
    XCTAssertEqual(dumps.count, 2, "\(dumps)")
    XCTAssertEqual(try String(contentsOfFile: dumps[0], encoding: .utf8), "precious\n")
    XCTAssertTrue(dumps[1].hasSuffix(".0002.heap"), dumps[1])
    let dump = try RuntimeHarness.load(dumps[1])
    XCTAssertEqual(dump.meta["seq"], "2")
    XCTAssertTrue(r.stderr.hasSuffix("next: heapprof top \(dumps[1])\n"), r.stderr)
  }

  /// FAILS today (runtime bug, see the H6 report): a symlink planted at the temporary name
  /// PREFIX.<pid>.<seq>.heap.tmp (predictable in a shared directory such as /tmp) is
  /// followed: the runtime truncates and overwrites its target with the dump, and the final
  /// name becomes a link to it. The temporary file must be created with
  /// O_CREAT|O_EXCL|O_NOFOLLOW.
  func testRuntimeDoesNotFollowASymlinkPlantedAtTheTemporaryName() throws {
    let victim = path("victim")
    try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
    let exe = try compileC(
      "plant",
      """
      #include <stdio.h>
      #include <stdlib.h>
      #include <unistd.h>
      int main(int argc, char **argv) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.%d.0001.heap.tmp", argv[1], (int)getpid());
        if (symlink(argv[2], tmp) != 0) return 1;
        void *volatile p = malloc(100);
        (void)p;
        return 0;
      }
      """)
    let r = try Products.heapprof(["record", "-o", path("p"), "--", exe, path("p"), victim])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      try String(contentsOfFile: victim, encoding: .utf8), "precious\n", "the runtime wrote through the planted symlink"
    )
    for dump in try RuntimeHarness.dumps(in: dir) {
      let type = try FileManager.default.attributesOfItem(atPath: dump)[.type] as? FileAttributeType
      XCTAssertEqual(type, .typeRegular, "\(dump) is not a regular file")
    }
  }

  /// FAILS today (runtime: dump_writer.c opens with mode 0644): §4 asks for files created
  /// 0600 unless the user asks, and a heap dump holds addresses and program paths.
  func testDumpsAreCreatedPrivate() throws {
    let dump = try recordedDump()
    XCTAssertEqual(try mode(dump), 0o600)
  }

  // MARK: - proto, svg, dot

  func testReportCommandsRefuseToOverwriteTheirInput() throws {
    let dump = try recordedDump()
    let before = try Data(contentsOf: URL(fileURLWithPath: dump))
    for command in ["proto", "svg", "dot"] {
      let r = try Products.heapprof([command, dump, "-o", dump])
      XCTAssertEqual(r.status, 2, command)
      XCTAssertEqual(r.stdout, "", command)
      XCTAssertEqual(
        r.stderr, "heapprof: \(dump): refusing to overwrite the input profile \(dump); choose another -o\n", command)
    }
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dump)), before)
  }

  /// The same input reached through a symlink, a relative path with `..`, or as --base.
  func testInputIsRecognizedUnderAnotherName() throws {
    let dump = try recordedDump()
    let name = (dump as NSString).lastPathComponent
    let link = path("link.heap")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dump)
    try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: true)
    let before = try Data(contentsOf: URL(fileURLWithPath: dump))

    var r = try Products.heapprof(["dot", link, "-o", dump])
    XCTAssertEqual(r.status, 2)
    XCTAssertEqual(r.stderr, "heapprof: \(dump): refusing to overwrite the input profile \(link); choose another -o\n")

    r = try Products.heapprof(["proto", dump, "-o", link])
    XCTAssertEqual(r.status, 2)
    XCTAssertEqual(r.stderr, "heapprof: \(link): refusing to overwrite the input profile \(dump); choose another -o\n")

    let dotted = path("sub") + "/../" + name
    r = try Products.heapprof(["dot", dump, "-o", dotted])
    XCTAssertEqual(r.status, 2)
    XCTAssertEqual(
      r.stderr, "heapprof: \(dotted): refusing to overwrite the input profile \(dump); choose another -o\n")

    let other = path("other.heap")
    try before.write(to: URL(fileURLWithPath: other))
    r = try Products.heapprof(["dot", other, "--base", dump, "-o", dump])
    XCTAssertEqual(r.status, 2)
    XCTAssertEqual(r.stderr, "heapprof: \(dump): refusing to overwrite the input profile \(dump); choose another -o\n")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dump)), before)
  }

  /// A symlink planted at the output path (say in /tmp) is replaced by a new private file;
  /// its target is untouched.
  func testPlantedSymlinkAtTheOutputIsReplacedNotFollowed() throws {
    let dump = try recordedDump()
    let victim = path("victim")
    try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
    for (command, out) in [("dot", "planted.dot"), ("svg", "planted.svg"), ("proto", "planted.pb.gz")] {
      let planted = path(out)
      try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: victim)
      let r = try Products.heapprof([command, dump, "-o", planted])
      XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
      XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n", command)
      let attributes = try FileManager.default.attributesOfItem(atPath: planted)
      XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeRegular, command)
      XCTAssertEqual(try mode(planted), 0o600, command)
      XCTAssertGreaterThan((attributes[.size] as? NSNumber)?.intValue ?? 0, 100, command)
    }
    // No temporary file is left next to the outputs.
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    XCTAssertEqual(names.filter { $0.hasSuffix(".tmp") }, [])
  }

  func testOutputsAreCreatedPrivate() throws {
    let dump = try recordedDump()
    for (command, out) in [("dot", "g.dot"), ("svg", "g.svg"), ("proto", "g.pb.gz")] {
      let r = try Products.heapprof([command, dump, "-o", path(out)])
      XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
      XCTAssertEqual(try mode(path(out)), 0o600, command)
    }
  }
}
