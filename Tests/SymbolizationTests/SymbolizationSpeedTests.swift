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
      let offset = UInt64(f[1].dropFirst(2), radix: 16)!
      let vaddr = UInt64(f[2].dropFirst(2), radix: 16)!
      let size = UInt64(f[4].dropFirst(2), radix: 16)!
      let page: UInt64 = 0x1000
      let start = base + (vaddr & ~(page - 1))
      mapping = Mapping(id: 1, start: start, limit: base + vaddr + size, offset: offset & ~(page - 1), file: path)
      break
    }
    let m = try XCTUnwrap(mapping, "no executable LOAD segment in \(path)")
    var names: [UInt64: Set<String>] = [:]
    var sized: Set<UInt64> = []
    for line in try runProgram(which("nm")!, ["--defined-only", "-S", path]).stdout.split(separator: "\n") {
      var f = line.split(separator: " ")
      if f.count == 3 { f.insert("0", at: 1) }  // nm -S prints no size for zero-size symbols
      guard f.count == 4, "TtWw".contains(f[2]), let a = UInt64(f[0], radix: 16), let size = UInt64(f[1], radix: 16),
        m.contains(base + a)
      else { continue }
      // Every name at an address counts (identical code folding gives aliases), but only
      // functions of 2 bytes or more are picked, so that start + 1 lies inside.
      names[a, default: []].insert(String(f[3]))
      if size >= 2 { sized.insert(a) }
    }
    let all = sized.sorted()
    let count = 10_000
    XCTAssertGreaterThanOrEqual(all.count, count)
    let picked = (0..<count).map { all[$0 * all.count / count] }
    let locations = picked.enumerated().map {
      Location(id: UInt64($0.offset + 1), mappingID: 1, address: base + $0.element + 1)
    }
    let pickedSet = Set(picked)
    return (Profile(mappings: [m], locations: locations), names.filter { pickedSet.contains($0.key) })
  }

  /// Symbolizes and checks every name against `nm` and every inline chain of line
  /// numbers against binutils' `addr2line -i`; returns seconds and how many locations got
  /// a source line (Swift's compiler-generated thunks and accessors have line 0).
  private func measure(_ path: String, compareWithAddr2line: Bool) throws -> (seconds: Double, withLines: Int) {
    let (p, names) = try profile(of: path)
    let clock = ContinuousClock()
    var result: SymbolizationResult?
    let elapsed = clock.measure { result = LocalSymbolizer().symbolize(p) }
    let s = result!.profile
    let index = ProfileIndex(s)
    var matched = 0
    var mismatches = 0
    for (l, original) in zip(s.locations, p.locations) {
      guard let fn = l.lines.last.flatMap({ index.function[$0.functionID] }) else { continue }
      let expected = names[symbolAddress(original.address, p)] ?? []
      if expected.contains(s.functions[fn].systemName) {
        matched += 1
      } else if mismatches < 20 {
        mismatches += 1
        print(
          "name differs from nm at 0x\(String(symbolAddress(original.address, p), radix: 16)): \(s.functions[fn].systemName) not in \(expected)"
        )
      }
    }
    let withLines = s.locations.filter { $0.lines.contains { $0.line > 0 } }.count
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
      "symbolized 10000 addresses in \(path): \(String(format: "%.3f", seconds)) s, \(matched) names equal nm's, \(withLines) with lines, \(s.functions.count) functions"
    )
    XCTAssertEqual(matched, 10_000)
    guard compareWithAddr2line else { return (seconds, withLines) }
    // Innermost line and inline depth agree with binutils' addr2line.
    let query = p.locations.map { "0x" + String(symbolAddress($0.address, p) + 1, radix: 16) }
    let a2l = try runProgram(which("addr2line")!, ["-a", "-i", "-e", path] + query).stdout.split(separator: "\n")
    var chains: [[Int64]] = []
    for line in a2l {
      if line.hasPrefix("0x") {
        chains.append([])
        continue
      }
      let n = line.split(separator: ":").last.flatMap { Int64($0.split(separator: " ")[0]) } ?? 0
      chains[chains.count - 1].append(n)
    }
    var agree = 0
    for (l, chain) in zip(s.locations, chains)
    where l.lines.map(\.line) == chain || (chain == [0] && l.lines.count == 1 && l.lines[0].line == 0) {
      agree += 1
    }
    print("lines equal addr2line's for \(agree) of \(chains.count)")
    XCTAssertEqual(agree, 10_000)
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
    _ = try measure(frontend, compareWithAddr2line: false)
  }

  /// This test bundle (~6 MB of code with DWARF in a debug build): the DWARF path.
  func testTenThousandAddressesInDebugTestBundle() throws {
    // The running test bundle: a debug build carries DWARF for every module.
    let bundle = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    let r = try measure(bundle, compareWithAddr2line: true)
    XCTAssertGreaterThan(r.withLines, 0)
  }
}
