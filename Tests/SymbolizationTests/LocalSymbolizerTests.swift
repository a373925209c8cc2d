import Foundation
import HeapProfTestSupport
import HeapProfile
import Symbolization
import XCTest

/// Symbolizes real programs compiled at test time (see ``FixturePrograms``).
final class LocalSymbolizerTests: XCTestCase {
  /// Builds and runs a fixture program; its temporary directory goes when the test ends.
  private func fixture(source: String, fileName: String, name: String, compiler: String, flags: [String]) throws
    -> BuiltFixture
  {
    let fx = try BuiltFixture.build(source: source, fileName: fileName, name: name, compiler: compiler, flags: flags)
    let dir = URL(fileURLWithPath: fx.path).deletingLastPathComponent()
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return fx
  }

  /// A profile with `fixture`'s mappings and one location per address (ids from 1).
  private func profile(_ fixture: BuiltFixture, _ addresses: [UInt64]) -> Profile {
    var locations: [Location] = []
    for (i, a) in addresses.enumerated() {
      let m = fixture.mappings.first { $0.contains(a) }
      locations.append(Location(id: UInt64(i + 1), mappingID: m?.id ?? 0, address: a))
    }
    return Profile(mappings: fixture.mappings, locations: locations)
  }

  /// `name file:line` per frame of location `id`, innermost first (file as basename).
  private func frames(_ p: Profile, _ id: UInt64) -> [String] {
    let index = ProfileIndex(p)
    guard let l = index.location[id] else { return ["no location \(id)"] }
    return p.locations[l].lines.map { line in
      let f = p.functions[index.function[line.functionID]!]
      let file = f.filename.isEmpty ? "" : " " + (f.filename as NSString).lastPathComponent + ":\(line.line)"
      return f.name + file
    }
  }

  private func function(_ p: Profile, _ id: UInt64) -> Function? {
    let index = ProfileIndex(p)
    guard let l = index.location[id], let last = p.locations[l].lines.last else { return nil }
    return p.functions[index.function[last.functionID]!]
  }

  func testCProgramWithInlinedFunction() throws {
    for flags in [["-g", "-O0"], ["-g", "-O0", "-no-pie"]] {
      let fx = try fixture(
        source: FixturePrograms.c, fileName: "fixture.c", name: "cprog", compiler: "cc", flags: flags)
      let fixtureAlloc = try fx.symbolAddress(containing: "fixture_alloc")
      let p = profile(
        fx,
        [
          fx.values["ret0"]! - 1, fx.values["ret1"]! - 1, fx.loadBias + fixtureAlloc.address + 1,
          fx.values["malloc"]! + 1,
        ])
      let result = LocalSymbolizer().symbolize(p)
      let s = result.profile
      XCTAssertEqual(result.warnings, [], "\(flags)")
      // The call in inlined_helper (line 12), inlined into outer_function at line 17.
      XCTAssertEqual(frames(s, 1), ["inlined_helper fixture.c:12", "outer_function fixture.c:17"], "\(flags)")
      XCTAssertEqual(frames(s, 2), ["main fixture.c:22"], "\(flags)")
      XCTAssertEqual(frames(s, 3), ["fixture_alloc fixture.c:6"], "\(flags)")
      // libc has no DWARF here: the dynamic symbol table names the function.
      XCTAssertEqual(frames(s, 4).map { $0.split(separator: " ")[0] }, ["malloc"], "\(flags)")
      XCTAssertEqual(function(s, 1)?.systemName, "outer_function")
      // Flags are set on the mapping that holds the code (the executable's r-x segment).
      let exe = s.mappings.first { $0.contains(fx.values["ret1"]! - 1) }!
      XCTAssertEqual(
        [exe.hasFunctions, exe.hasFilenames, exe.hasLineNumbers, exe.hasInlineFrames], [true, true, true, true],
        "\(flags)")
      XCTAssertEqual(s.dropFrames, AllocatorFrames.dropFramesRegex)
      // Every function is referenced once and ids are unique.
      XCTAssertEqual(Set(s.functions.map(\.id)).count, s.functions.count)
      XCTAssertEqual(
        s.functions.map(\.name).sorted(), ["fixture_alloc", "inlined_helper", "main", "malloc", "outer_function"])
    }
  }

  func testCPlusPlusProgram() throws {
    let fx = try fixture(
      source: FixturePrograms.cplusplus, fileName: "fixture.cpp", name: "cxxprog", compiler: "c++",
      flags: ["-g", "-O0"])
    let add = try fx.symbolAddress(containing: "RegistryIiE3add")
    let p = profile(fx, [fx.values["ret0"]! - 1, fx.loadBias + add.address + 1])
    let result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(result.warnings, [])
    XCTAssertEqual(frames(result.profile, 1), ["main fixture.cpp:19"])
    XCTAssertEqual(frames(result.profile, 2), ["demo::Registry::add fixture.cpp:10"])
    XCTAssertEqual(
      function(result.profile, 2)?.systemName,
      "_ZN4demo8RegistryIiE3addERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEi")
    XCTAssertEqual(add.name, function(result.profile, 2)?.systemName)
  }

  /// An optimized build inlines the standard library deeply: at every other byte of
  /// every function, the chain of (function, line) frames equals binutils'
  /// `addr2line -f -i` (mangled names, innermost first).
  func testOptimizedCPlusPlusInlineChainsEqualAddr2line() throws {
    let fx = try fixture(
      source: FixturePrograms.cplusplus, fileName: "fixture.cpp", name: "cxxopt", compiler: "c++", flags: ["-g", "-O2"])
    let nm = try runProgram(which("nm")!, ["--defined-only", "-S", fx.path]).stdout
    var linkAddresses: [UInt64] = []
    for line in nm.split(separator: "\n") {
      let f = line.split(separator: " ")
      guard f.count == 4, "Tt".contains(f[2]), let a = UInt64(f[0], radix: 16), let size = UInt64(f[1], radix: 16)
      else { continue }
      linkAddresses += stride(from: a + 1, to: a + size, by: 2)
    }
    let p = profile(fx, linkAddresses.map { fx.loadBias + $0 })
    let s = LocalSymbolizer().symbolize(p).profile
    let index = ProfileIndex(s)
    let a2l = try runProgram(
      which("addr2line")!, ["-a", "-f", "-i", "-e", fx.path] + linkAddresses.map { "0x" + String($0, radix: 16) })
    var expected: [[String]] = []
    var pendingName: String?
    for line in a2l.stdout.split(separator: "\n").map(String.init) {
      if line.hasPrefix("0x") {
        expected.append([])
      } else if let name = pendingName {
        let lineNumber = line.split(separator: ":").last.flatMap { Int64($0.split(separator: " ")[0]) } ?? 0
        expected[expected.count - 1].append("\(name):\(lineNumber)")
        pendingName = nil
      } else {
        pendingName = line
      }
    }
    XCTAssertEqual(expected.count, linkAddresses.count)
    var inlined = 0
    var equal = 0
    for (l, chain) in zip(s.locations, expected) {
      let ours = l.lines.map { "\(s.functions[index.function[$0.functionID]!].systemName):\($0.line)" }
      if ours == chain {
        equal += 1
      } else if equal < 5 {
        print("differs at 0x\(String(l.address - fx.loadBias, radix: 16)):", ours, chain)
      }
      if l.lines.count > 1 { inlined += 1 }
    }
    XCTAssertEqual(equal, linkAddresses.count)
    XCTAssertGreaterThan(inlined, linkAddresses.count / 4, "the -O2 build should inline the hash map code")
  }

  func testSwiftProgram() throws {
    let fx = try fixture(
      source: FixturePrograms.swift, fileName: "main.swift", name: "swiftprog", compiler: "swiftc",
      flags: ["-g", "-Onone", "-module-name", "fixture"])
    let store = try fx.symbolAddress(containing: "5CacheC5store_5value")
    // libswiftCore as the process mapped it; it has a symbol table but no DWARF.
    let core = try XCTUnwrap(fx.mappings.first { $0.file.hasSuffix("/libswiftCore.so") && $0.offset == 0 })
    let coreFile = BuiltFixture(path: core.file, mappings: [], values: [:], loadBias: core.start)
    let allocObject = try coreFile.symbolAddress(containing: "swift_allocObject")
    let resize = try coreFile.symbolAddress(containing: "copyOrMoveAndResize8capacity12moveElementsySi_SbtFSS_SiTg5")
    let p = profile(
      fx, [fx.loadBias + store.address + 1, core.start + allocObject.address + 1, core.start + resize.address + 1])
    let result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(result.warnings, [])
    XCTAssertEqual(frames(result.profile, 1), ["fixture.Cache.store(_:value:) main.swift:5"])
    XCTAssertEqual(frames(result.profile, 2), ["swift_allocObject"])
    XCTAssertEqual(
      frames(result.profile, 3),
      ["Swift._NativeDictionary<Swift.String, Swift.Int>._copyOrMoveAndResize(capacity:moveElements:)"])
    let coreCode = try XCTUnwrap(
      result.profile.mappings.first { $0.file == core.file && $0.contains(core.start + allocObject.address) })
    XCTAssertEqual([coreCode.hasFunctions, coreCode.hasFilenames, coreCode.hasLineNumbers], [true, false, false])
    XCTAssertEqual(function(result.profile, 1)?.systemName, "$s7fixture5CacheC5store_5valueySS_Says5UInt8VGtF")
    XCTAssertEqual(store.name, "$s7fixture5CacheC5store_5valueySS_Says5UInt8VGtF")
  }

  /// The map report needs the key and value types of specialized dictionary code.
  func testOptimizedSwiftSpecializationsShowTypeArguments() throws {
    let fx = try fixture(
      source: FixturePrograms.swiftOptimized, fileName: "main.swift", name: "swiftopt", compiler: "swiftc",
      flags: ["-g", "-O", "-module-name", "fixture"])
    let resize = try fx.symbolAddress(containing: "_copyOrMoveAndResize")
    let setValue = try fx.symbolAddress(containing: "NativeDictionaryV8setValue")
    let p = profile(fx, [fx.loadBias + resize.address + 1, fx.loadBias + setValue.address + 1])
    let result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(result.warnings, [])
    XCTAssertEqual(
      function(result.profile, 1)?.name,
      "Swift._NativeDictionary<Swift.String, fixture.HeavyObject>._copyOrMoveAndResize(capacity:moveElements:)")
    XCTAssertEqual(
      function(result.profile, 1)?.systemName,
      "$ss17_NativeDictionaryV20_copyOrMoveAndResize8capacity12moveElementsySi_SbtFSS_7fixture11HeavyObjectCTg5")
    XCTAssertEqual(
      function(result.profile, 2)?.name,
      "Swift._NativeDictionary<Swift.String, fixture.HeavyObject>.setValue(_:forKey:isUnique:)")
  }

  func testMissingFileGivesOffsetsAndOneWarning() {
    let p = Profile(
      mappings: [
        Mapping(id: 1, start: 0x1000, limit: 0x2000, offset: 0, file: "/nonexistent/heapprof-test/app"),
        Mapping(
          id: 2, start: 0x7f00_0000_0000, limit: 0x7f00_0001_0000, offset: 0x2000,
          file: "/nonexistent/heapprof-test/libgone.so"),
        Mapping(
          id: 3, start: 0x7f00_0001_0000, limit: 0x7f00_0002_0000, offset: 0x12000,
          file: "/nonexistent/heapprof-test/libgone.so"),
        Mapping(id: 4, start: 0x7fff_0000_0000, limit: 0x7fff_0000_2000, offset: 0, file: "[vdso]"),
      ],
      locations: [
        Location(id: 1, mappingID: 2, address: 0x7f00_0000_0123),
        Location(id: 2, mappingID: 2, address: 0x7f00_0000_0456),
        Location(id: 3, mappingID: 3, address: 0x7f00_0001_0010),
        Location(id: 4, mappingID: 4, address: 0x7fff_0000_09f3),
        Location(id: 5, mappingID: 0, address: 0xdead),
        Location(id: 6, mappingID: 0, address: 0x7f00_0000_0789),
      ])
    let result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(
      result.warnings,
      [
        "cannot find /nonexistent/heapprof-test/libgone.so (libgone.so); its frames are shown as libgone.so+0xOFFSET; "
          + "pass --search-path DIR holding a copy"
      ])
    XCTAssertEqual(frames(result.profile, 1), ["libgone.so+0x2123"])
    XCTAssertEqual(frames(result.profile, 2), ["libgone.so+0x2456"])
    XCTAssertEqual(frames(result.profile, 3), ["libgone.so+0x12010"])
    XCTAssertEqual(frames(result.profile, 4), ["[vdso]+0x9f3"])
    XCTAssertEqual(frames(result.profile, 5), ["0xdead"])
    XCTAssertEqual(frames(result.profile, 6), ["libgone.so+0x2789"])
    XCTAssertEqual(result.profile.functions.count, 6)
    XCTAssertFalse(result.profile.mappings.contains { $0.hasFunctions })
  }

  func testUnreadableFileGivesOffsetsAndOneWarning() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-notelf-\(UUID().uuidString).so")
      .path
    try "not an ELF file\n".write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let p = Profile(
      mappings: [
        Mapping(id: 1, start: 0x1000, limit: 0x9000, offset: 0, file: path)
      ],
      locations: [Location(id: 1, mappingID: 1, address: 0x1010), Location(id: 2, mappingID: 1, address: 0x2020)])
    let result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(result.warnings.count, 1)
    let module = (path as NSString).lastPathComponent
    XCTAssertTrue(result.warnings[0].hasPrefix("cannot read \(path): not a readable ELF file ("), result.warnings[0])
    XCTAssertTrue(result.warnings[0].hasSuffix("); its frames are shown as \(module)+0xOFFSET"), result.warnings[0])
    XCTAssertEqual(frames(result.profile, 1), ["\(module)+0x10"])
    XCTAssertEqual(frames(result.profile, 2), ["\(module)+0x1020"])
  }

  func testBuildIDMismatchChangedBinaryAndPresymbolizedMappings() throws {
    let fx = try fixture(
      source: FixturePrograms.c, fileName: "fixture.c", name: "cprog", compiler: "cc", flags: ["-g", "-O0"])
    let ret1 = fx.values["ret1"]! - 1
    // A recorded build id that is not the file's: offsets and one warning.
    var p = profile(fx, [ret1, ret1 + 1])
    p.mappings[0].buildID = "0123456789abcdef"  // only on the first mapping of the file, as some readers do
    var result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(result.warnings.count, 1)
    XCTAssertTrue(
      result.warnings[0].hasPrefix("\(fx.path) is not the binary that ran (its build id is "), result.warnings[0])
    XCTAssertTrue(
      result.warnings[0].contains(", the profile recorded 0123456789abcdef): it was rebuilt or replaced; "),
      result.warnings[0])
    let m = fx.mappings[0]
    let mi = fx.mappings.firstIndex { $0.contains(ret1) }!
    let offset = ret1 - fx.mappings[mi].start + fx.mappings[mi].offset
    XCTAssertEqual(frames(result.profile, 1), ["cprog+0x" + String(offset, radix: 16)])
    XCTAssertEqual(m.file, fx.path)

    // The file's own build id (from --binary) matches: symbolized, no warning.
    let realID = try XCTUnwrap(buildID(of: fx.path))
    p.mappings[0].buildID = realID
    p.mappings[mi].buildID = realID
    result = LocalSymbolizer(options: .init(binaryPath: fx.path)).symbolize(p)
    XCTAssertEqual(result.warnings, [])
    XCTAssertEqual(frames(result.profile, 1), ["main fixture.c:22"])

    // A file newer than the profile: symbolized, with one warning.
    p = profile(fx, [ret1])
    p.timeNanos = 1_000_000_000
    result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(frames(result.profile, 1), ["main fixture.c:22"])
    XCTAssertEqual(result.warnings.count, 1)
    XCTAssertTrue(
      result.warnings[0].contains(
        "was modified after the profile was taken (and the profile recorded no build id to check it)"),
      result.warnings[0])

    // A mapping that already has functions is left alone.
    p = profile(fx, [ret1])
    p.mappings[mi].hasFunctions = true
    result = LocalSymbolizer().symbolize(p)
    XCTAssertEqual(result.profile.locations[0].lines, [])
    XCTAssertEqual(result.profile.functions, [])
  }

  func testSearchPathFindsMovedBinary() throws {
    let fx = try fixture(
      source: FixturePrograms.c, fileName: "fixture.c", name: "cprog", compiler: "cc", flags: ["-g", "-O0"])
    var p = profile(fx, [fx.values["ret1"]! - 1])
    for i in p.mappings.indices where p.mappings[i].file == fx.path {
      p.mappings[i].file = "/nonexistent/elsewhere/cprog"
    }
    let dir = (fx.path as NSString).deletingLastPathComponent
    let result = LocalSymbolizer(options: .init(searchPaths: ["/nonexistent/dir", dir])).symbolize(p)
    XCTAssertEqual(result.warnings, [])
    XCTAssertEqual(frames(result.profile, 1), ["main fixture.c:22"])
  }

  /// The GNU build id of `path` as printed by `readelf -n`.
  private func buildID(of path: String) throws -> String? {
    let r = try runProgram(which("readelf")!, ["-n", path])
    for line in r.stdout.split(separator: "\n") where line.contains("Build ID:") {
      return line.split(separator: " ").last.map(String.init)
    }
    return nil
  }
}
