import Foundation
import HeapProfTestSupport
import HeapProfile
import Symbolization
import XCTest

/// Test-size benchmarks: 10,000 distinct addresses in one large binary. They print the
/// time and fail only when symbolization is pathologically slow (more than a minute).
final class SymbolizationSpeedTests: XCTestCase {
  /// A profile of 10,000 distinct function addresses of `path` (each function's start + 1,
  /// spread evenly over its `nm -S` function symbols), in one mapping of its executable
  /// PT_LOAD segment placed the way the loader would (PIE at 0x5555_0000_0000), and the
  /// names `nm` gives each address (aliases included).
  private func profile(of path: String) throws -> (Profile, [UInt64: Set<String>]) {
    let elf = try runProgram(which("readelf")!, ["-lhW", path]).stdout
    let base: UInt64 = elf.contains("Type:                              EXEC") ? 0 : 0x5555_0000_0000
    var mapping: Mapping?
    for line in elf.split(separator: "\n") {
      let f = line.split(separator: " ")
      guard f.first == "LOAD", f.count >= 8, f[6...].joined().contains("E") else { continue }
      let offset = UInt64(f[1].dropFirst(2), radix: 16)!, vaddr = UInt64(f[2].dropFirst(2), radix: 16)!
      let size = UInt64(f[4].dropFirst(2), radix: 16)!
      let page: UInt64 = 0x1000
      let start = base + (vaddr & ~(page - 1))
      mapping = Mapping(id: 1, start: start, limit: base + vaddr + size, offset: offset & ~(page - 1), file: path)
      break
    }
    let m = try XCTUnwrap(mapping, "no executable LOAD segment in \(path)")
    var names: [UInt64: Set<String>] = [:]
    for line in try runProgram(which("nm")!, ["--defined-only", "-S", path]).stdout.split(separator: "\n") {
      let f = line.split(separator: " ")
      guard f.count == 4, "TtWw".contains(f[2]), let a = UInt64(f[0], radix: 16), let size = UInt64(f[1], radix: 16),
        size >= 2, m.contains(base + a)
      else { continue }
      names[a, default: []].insert(String(f[3]))
    }
    let all = names.keys.sorted()
    let count = 10_000
    XCTAssertGreaterThanOrEqual(all.count, count)
    let picked = (0..<count).map { all[$0 * all.count / count] }
    let locations = picked.enumerated().map { Location(id: UInt64($0.offset + 1), mappingID: 1, address: base + $0.element + 1) }
    let pickedSet = Set(picked)
    return (Profile(mappings: [m], locations: locations), names.filter { pickedSet.contains($0.key) })
  }

  /// Symbolizes and checks every name against `nm`; returns seconds and how many
  /// locations got a source line.
  private func measure(_ path: String) throws -> (seconds: Double, withLines: Int) {
    let (p, names) = try profile(of: path)
    let clock = ContinuousClock()
    var result: SymbolizationResult?
    let elapsed = clock.measure { result = LocalSymbolizer().symbolize(p) }
    let s = result!.profile
    let index = ProfileIndex(s)
    var matched = 0
    for (l, original) in zip(s.locations, p.locations) {
      guard let fn = l.lines.last.flatMap({ index.function[$0.functionID] }) else { continue }
      if let set = names[symbolAddress(original.address, p)], set.contains(s.functions[fn].systemName) { matched += 1 } else if ProcessInfo.processInfo.environment["HEAPPROF_DEBUG_SPEED"] != nil {
        print("MISMATCH", String(symbolAddress(original.address, p), radix: 16), names[symbolAddress(original.address, p)] ?? [], s.functions[fn].systemName)
      }
      if ProcessInfo.processInfo.environment["HEAPPROF_DEBUG_SPEED"] != nil, !l.lines.contains(where: { $0.line > 0 }), Int.random(in: 0..<500) == 0 {
        print("NOLINE", String(symbolAddress(original.address, p), radix: 16), s.functions[fn].systemName)
      }
    }
    let withLines = s.locations.filter { $0.lines.contains { $0.line > 0 } }.count
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("symbolized 10000 addresses in \(path): \(String(format: "%.3f", seconds)) s, \(matched) names equal nm's, \(withLines) with lines, \(s.functions.count) functions")
    XCTAssertEqual(matched, 10_000)
    return (seconds, withLines)
  }

  private func symbolAddress(_ address: UInt64, _ p: Profile) -> UInt64 {
    let base: UInt64 = p.mappings[0].start < 0x5555_0000_0000 ? 0 : 0x5555_0000_0000
    return address - 1 - base
  }

  /// swift-frontend: ~210 MB, ~300,000 symbols, no DWARF (symbol table path).
  func testTenThousandAddressesInSwiftFrontend() throws {
    let swiftc = try XCTUnwrap(which("swiftc"))
    let frontend = (URL(fileURLWithPath: swiftc).resolvingSymlinksInPath().deletingLastPathComponent().path as NSString)
      .appendingPathComponent("swift-frontend")
    let r = try measure(frontend)
    XCTAssertLessThan(r.seconds, 60)
  }

  /// This test bundle: a debug build with DWARF for every module (DWARF path).
  func testTenThousandAddressesInDebugTestBundle() throws {
    let bundle = try XCTUnwrap(
      try FileManager.default.contentsOfDirectory(atPath: packageRoot().appendingPathComponent(".build/debug").path)
        .first { $0.hasSuffix("PackageTests.xctest") })
    let r = try measure(packageRoot().appendingPathComponent(".build/debug/\(bundle)").path)
    XCTAssertGreaterThan(r.withLines, 9_900)
    XCTAssertLessThan(r.seconds, 60)
  }
}
