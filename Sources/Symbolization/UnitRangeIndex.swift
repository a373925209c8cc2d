import CLibDW

/// UnitRangeIndex maps addresses to DWARF compile units from the units' own
/// `DW_AT_low_pc`/`DW_AT_high_pc`/`DW_AT_ranges`, for files without `.debug_aranges`
/// (which libdw 0.188's `dwfl_module_addrdie` needs). Built once per module, searched in
/// O(log n).
final class UnitRangeIndex {
  private struct Entry {
    var start: UInt64
    var end: UInt64
    var unit: Int
  }
  private var entries: [Entry] = []
  private var units: [(die: UnsafeMutablePointer<Dwarf_Die>, bias: Dwarf_Addr)] = []

  /// Reads the ranges of every compile unit of `module`.
  init(module: OpaquePointer) {
    var bias: Dwarf_Addr = 0
    var cu = dwfl_module_nextcu(module, nil, &bias)
    while let unit = cu {
      let die = UnsafeMutablePointer<Dwarf_Die>.allocate(capacity: 1)
      die.initialize(to: unit.pointee)
      units.append((die, bias))
      var base: Dwarf_Addr = 0
      var start: Dwarf_Addr = 0
      var end: Dwarf_Addr = 0
      var offset = dwarf_ranges(die, 0, &base, &start, &end)
      while offset > 0 {
        if end > start { entries.append(Entry(start: start &+ bias, end: end &+ bias, unit: units.count - 1)) }
        offset = dwarf_ranges(die, offset, &base, &start, &end)
      }
      cu = dwfl_module_nextcu(module, unit, &bias)
    }
    entries.sort { $0.start < $1.start }
  }

  deinit {
    for u in units { u.die.deallocate() }
  }

  /// The unit whose ranges hold `address` (a module address) and its bias.
  func unit(containing address: UInt64) -> (UnsafeMutablePointer<Dwarf_Die>, Dwarf_Addr)? {
    var lo = 0
    var hi = entries.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if entries[mid].start <= address { lo = mid + 1 } else { hi = mid }
    }
    var i = lo - 1
    // Ranges rarely nest; look back a few entries for one that covers the address.
    var steps = 0
    while i >= 0, steps < 8 {
      if address < entries[i].end { return units[entries[i].unit] }
      i -= 1
      steps += 1
    }
    return nil
  }
}
