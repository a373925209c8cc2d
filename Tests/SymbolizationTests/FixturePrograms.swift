import Foundation
import HeapProfTestSupport
import HeapProfile
import XCTest

/// Small programs compiled at test time with `-g`. Each prints the return addresses it
/// recorded (`ret0 0x…`), then its own `/proc/self/maps`, so that a test can build the
/// mappings and locations a heap profile of it would hold. Line numbers in the sources
/// are asserted by the tests: edit them together.
enum FixturePrograms {
  /// C: `inlined_helper` is always_inline'd into `outer_function`.
  static let c = """
    #include <stdio.h>
    #include <stdlib.h>

    void *volatile recorded[3];

    __attribute__((noinline)) void *fixture_alloc(size_t n) {
      recorded[0] = __builtin_return_address(0);
      return malloc(n);
    }

    static inline __attribute__((always_inline)) void *inlined_helper(size_t n) {
      return fixture_alloc(n + 1);
    }

    __attribute__((noinline)) void *outer_function(size_t n) {
      recorded[1] = __builtin_return_address(0);
      void *p = inlined_helper(n * 2);
      return p;
    }

    int main(void) {
      void *p = outer_function(10);
      printf("ret0 %p\\nret1 %p\\nmalloc %p\\n", recorded[0], recorded[1], (void *)&malloc);
      FILE *f = fopen("/proc/self/maps", "r");
      char line[4096];
      while (fgets(line, sizeof line, f)) fputs(line, stdout);
      fclose(f);
      free(p);
      return 0;
    }

    """

  /// C++: a member function of a class template in a namespace.
  static let cplusplus = """
    #include <cstdio>
    #include <string>
    #include <unordered_map>

    void *volatile recorded[1];

    namespace demo {
    template <typename T> struct Registry {
      std::unordered_map<std::string, T> items;
      __attribute__((noinline)) void add(const std::string &key, T value) {
        recorded[0] = __builtin_return_address(0);
        items[key] = value;
      }
    };
    }  // namespace demo

    int main() {
      demo::Registry<int> registry;
      registry.add("one", 1);
      std::printf("ret0 %p\\n", recorded[0]);
      FILE *f = std::fopen("/proc/self/maps", "r");
      char line[4096];
      while (std::fgets(line, sizeof line, f)) std::fputs(line, stdout);
      std::fclose(f);
      return 0;
    }

    """

  /// Swift, built with -O: the optimizer specializes the standard library's dictionary
  /// code for `[String: HeavyObject]` inside module `fixture`.
  static let swiftOptimized = """
    import Glibc

    final class HeavyObject {
      var payload: [UInt8]
      init(_ n: Int) { payload = [UInt8](repeating: 1, count: n) }
    }

    final class Cache {
      var storage: [String: HeavyObject] = [:]
      @inline(never) func store(_ key: String, value: HeavyObject) { storage[key] = value }
    }

    let cache = Cache()
    for i in 0..<1000 { cache.store("k\\(i)", value: HeavyObject(i)) }
    if let f = fopen("/proc/self/maps", "r") {
      var line = [CChar](repeating: 0, count: 4096)
      while fgets(&line, 4096, f) != nil { fputs(line, stdout) }
      fclose(f)
    }

    """

  /// Swift: a class method storing into a dictionary (module `fixture`).
  static let swift = """
    import Glibc

    final class Cache {
      var storage: [String: [UInt8]] = [:]
      @inline(never) func store(_ key: String, value: [UInt8]) {
        storage[key] = value
      }
    }

    let cache = Cache()
    cache.store("k", value: [1, 2, 3])
    if let f = fopen("/proc/self/maps", "r") {
      var line = [CChar](repeating: 0, count: 4096)
      while fgets(&line, 4096, f) != nil { fputs(line, stdout) }
      fclose(f)
    }

    """
}

/// A fixture program built and run once.
struct BuiltFixture {
  /// The executable.
  var path: String
  /// Mappings of the process, from its `/proc/self/maps` (file-backed ones, plus
  /// `[vdso]`), ids from 1; the first is the executable.
  var mappings: [Mapping]
  /// `ret0`, `ret1`, … and `malloc` values it printed.
  var values: [String: UInt64]
  /// Where the executable's link-time address 0 was loaded (0 for a non-PIE file).
  var loadBias: UInt64

  /// Compiles `source` with `compiler` and `flags` into a fresh temporary directory as
  /// `name`, runs it and parses its output.
  static func build(source: String, fileName: String, name: String, compiler: String, flags: [String]) throws
    -> BuiltFixture
  {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("heapprof-sym-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let src = dir.appendingPathComponent(fileName)
    try source.write(to: src, atomically: true, encoding: .utf8)
    let exe = dir.appendingPathComponent(name).path
    guard let tool = which(compiler) else { throw FixtureError("\(compiler) is not on PATH") }
    let built = try runProgram(tool, flags + ["-o", exe, src.path], currentDirectory: dir)
    guard built.status == 0 else { throw FixtureError("\(compiler) failed:\n\(built.stderr)") }
    let run = try runProgram(exe, [])
    guard run.status == 0 else { throw FixtureError("\(exe) failed:\n\(run.stderr)") }
    var values: [String: UInt64] = [:]
    var mappings: [Mapping] = []
    for line in run.stdout.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      if fields.count == 2, let v = UInt64(fields[1].dropFirst(2), radix: 16) {
        values[String(fields[0])] = v
        continue
      }
      guard fields.count >= 6 else { continue }
      let range = fields[0].split(separator: "-")
      let file = fields[5...].joined(separator: " ")
      mappings.append(
        Mapping(
          id: UInt64(mappings.count + 1), start: UInt64(range[0], radix: 16)!, limit: UInt64(range[1], radix: 16)!,
          offset: UInt64(fields[2], radix: 16)!, file: file))
    }
    // The executable's lowest mapping has offset 0 and holds link-time address 0 (PIE)
    // or its own link-time address (non-PIE, loaded where it was linked).
    let all = run.stdout.split(separator: "\n").filter { $0.hasSuffix(" " + exe) }
    let first = all.first.map { UInt64($0.split(separator: "-")[0], radix: 16)! } ?? 0
    let pie = first > 0x1000_0000
    guard mappings.first?.file == exe else { throw FixtureError("first executable mapping is not \(exe)") }
    return BuiltFixture(path: exe, mappings: mappings, values: values, loadBias: pie ? first : 0)
  }

  /// The link-time address of the symbol whose name contains `fragment` (equals it, for a
  /// `swift_` runtime function), from `nm`.
  func symbolAddress(containing fragment: String) throws -> (name: String, address: UInt64) {
    let nm = try runProgram(which("nm")!, [path])
    for line in nm.stdout.split(separator: "\n") {
      let f = line.split(separator: " ")
      if f.count == 3, f[2] == fragment || (f[2].contains(fragment) && !fragment.hasPrefix("swift_")),
        f[1] == "T" || f[1] == "t" || f[1] == "W"
      {
        return (String(f[2]), UInt64(f[0], radix: 16)!)
      }
    }
    throw FixtureError("no symbol containing \(fragment) in \(path)")
  }
}

/// A fixture could not be made.
struct FixtureError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
