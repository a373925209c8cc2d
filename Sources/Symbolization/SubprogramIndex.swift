import CLibDW

/// SubprogramIndex maps addresses to the concrete `DW_TAG_subprogram` DIEs of one DWARF
/// compile unit, built by walking the unit once; the inlined frames at an address are
/// then found by descending only that subprogram's subtree.
///
/// `dwarf_getscopes` walks the whole unit for every address, which dominates the cost
/// of symbolizing thousands of addresses in a large unit (Swift emits one unit per file,
/// or per module with whole-module optimization).
final class SubprogramIndex {
  private struct Entry {
    var low: UInt64
    var high: UInt64
    var die: Dwarf_Die
  }
  private var entries: [Entry] = []

  /// Walks `cu` (and namespaces, modules and types inside it) for subprograms with code.
  init(cu: UnsafeMutablePointer<Dwarf_Die>) {
    var stack: [Dwarf_Die] = [cu.pointee]
    while var parent = stack.popLast() {
      var child = Dwarf_Die()
      guard dwarf_child(&parent, &child) == 0 else { continue }
      while true {
        switch Int(dwarf_tag(&child)) {
        case DW_TAG_subprogram:
          var base: Dwarf_Addr = 0
          var start: Dwarf_Addr = 0
          var end: Dwarf_Addr = 0
          var offset = dwarf_ranges(&child, 0, &base, &start, &end)
          while offset > 0 {
            if end > start { entries.append(Entry(low: start, high: end, die: child)) }
            offset = dwarf_ranges(&child, offset, &base, &start, &end)
          }
        case DW_TAG_namespace, DW_TAG_module, DW_TAG_class_type, DW_TAG_structure_type, DW_TAG_union_type:
          stack.append(child)
        default:
          break
        }
        var next = Dwarf_Die()
        guard dwarf_siblingof(&child, &next) == 0 else { break }
        child = next
      }
    }
    entries.sort { $0.low < $1.low }
  }

  /// The function DIEs at `pc` (a DWARF address), innermost inlined subroutine first and
  /// the subprogram last, or nil when no subprogram of this unit holds `pc`.
  func chain(at pc: UInt64) -> [Dwarf_Die]? {
    var lo = 0
    var hi = entries.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if entries[mid].low <= pc { lo = mid + 1 } else { hi = mid }
    }
    var i = lo - 1
    var steps = 0
    while i >= 0, steps < 8, pc >= entries[i].high {
      i -= 1
      steps += 1
    }
    guard i >= 0, pc >= entries[i].low, pc < entries[i].high else { return nil }
    var chain = [entries[i].die]
    var current = entries[i].die
    descend: while true {
      var child = Dwarf_Die()
      guard dwarf_child(&current, &child) == 0 else { break }
      while true {
        let tag = Int(dwarf_tag(&child))
        if tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block, dwarf_haspc(&child, pc) == 1 {
          if tag == DW_TAG_inlined_subroutine { chain.insert(child, at: 0) }
          current = child
          continue descend
        }
        var next = Dwarf_Die()
        guard dwarf_siblingof(&child, &next) == 0 else { break descend }
        child = next
      }
    }
    return chain
  }
}
