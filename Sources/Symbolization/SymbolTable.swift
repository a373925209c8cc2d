import CLibDW
import Glibc

/// SymbolTable is a sorted copy of one module's function symbols for binary search.
///
/// libdwfl's own `dwfl_module_addrinfo` scans the whole table on every call, which is
/// too slow for large binaries (swift-frontend has ~300,000 symbols). This table is
/// built once per module; names stay C strings owned by the module's ELF string table
/// until a lookup needs one.
struct SymbolTable {
  private struct Entry {
    var address: UInt64
    var size: UInt64
    var rank: UInt8  // 0 global, 1 weak, 2 local: preferred in that order among aliases
    var name: UnsafePointer<CChar>
  }

  private var entries: [Entry] = []

  /// Reads every defined function symbol of `module` (symtab, else dynsym, as libdwfl
  /// chooses, including a separate debug file's or `.gnu_debugdata`'s).
  init(module: OpaquePointer) {
    let count = dwfl_module_getsymtab(module)
    guard count > 0 else { return }
    entries.reserveCapacity(Int(count))
    for i in 1..<count {
      var sym = GElf_Sym()
      var address: GElf_Addr = 0
      var shndx: GElf_Word = 0
      guard let name = dwfl_module_getsym_info(module, i, &sym, &address, &shndx, nil, nil),
        name.pointee != 0
      else { continue }
      let type = sym.st_info & 0xf  // GELF_ST_TYPE
      guard type == UInt8(STT_FUNC) || type == UInt8(STT_GNU_IFUNC) else { continue }
      guard sym.st_shndx != UInt16(SHN_UNDEF), address != 0 else { continue }
      let binding = sym.st_info >> 4  // GELF_ST_BIND
      let rank: UInt8 = binding == UInt8(STB_GLOBAL) ? 0 : binding == UInt8(STB_WEAK) ? 1 : 2
      entries.append(Entry(address: address, size: sym.st_size, rank: rank, name: name))
    }
    entries.sort { a, b in
      if a.address != b.address { return a.address < b.address }
      // A symbol with a size (the function itself) before a zero-size label at its start.
      if (a.size == 0) != (b.size == 0) { return a.size != 0 }
      if a.rank != b.rank { return a.rank < b.rank }
      // Among aliases prefer the public spelling: `malloc` over `__libc_malloc`.
      let ua = Self.leadingUnderscores(a.name)
      let ub = Self.leadingUnderscores(b.name)
      if ua != ub { return ua < ub }
      return strcmp(a.name, b.name) < 0
    }
  }

  private static func leadingUnderscores(_ p: UnsafePointer<CChar>) -> Int {
    var n = 0
    while p[n] == 95 { n += 1 }  // "_"
    return n
  }

  /// Number of function symbols.
  var count: Int { entries.count }

  /// The name of the function symbol containing `address`: the last symbol starting at
  /// or below it whose size covers it (a zero-size symbol covers up to the next symbol).
  func lookup(_ address: UInt64) -> String? {
    // First entry with entry.address > address.
    var lo = 0
    var hi = entries.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if entries[mid].address <= address { lo = mid + 1 } else { hi = mid }
    }
    var i = lo - 1
    guard i >= 0 else { return nil }
    // Step back to the first (preferred) alias at this address.
    let start = entries[i].address
    while i > 0, entries[i - 1].address == start { i -= 1 }
    // Prefer a symbol whose size covers the address; look back a little for an
    // enclosing symbol when the nearest one is too small.
    var j = i
    var steps = 0
    while j >= 0, steps < 16 {
      let e = entries[j]
      if e.size == 0 ? j == i : address < e.address &+ e.size { return String(cString: e.name) }
      j -= 1
      steps += 1
    }
    return nil
  }
}
