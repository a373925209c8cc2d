import CLibDW
import Glibc

/// One frame of a resolved address: a function and where in it.
struct ResolvedFrame: Equatable {
  /// The linker symbol (mangled) or, when DWARF has no linkage name, the source name.
  var systemName: String
  /// Source file (as DWARF records it), empty if unknown.
  var file: String
  /// Line number, 0 if unknown.
  var line: Int64
  /// Column, 0 if unknown.
  var column: Int64
  /// The function's declaration line, 0 if unknown.
  var startLine: Int64
}

/// DWARFResolver resolves addresses of one ELF file with elfutils libdwfl: symbol names
/// from the ELF symbol table (its own sorted copy, built once), and source lines plus
/// inlined frames from DWARF when the file (or its separate debug file) has them.
///
/// The file is reported alone into its own `Dwfl` session at load base 0 with
/// `add_p_vaddr`, so module addresses equal the ELF's link-time virtual addresses (bias
/// 0 for both ET_EXEC and ET_DYN). ``virtualAddress(fileOffset:)`` maps a file offset
/// (what a `/proc/PID/maps` line gives) through the PT_LOAD program headers to that
/// address space; this is the same as reporting the module at its runtime load base
/// `start - offset + p_offset - p_vaddr`, but keeps one cached session per file even when
/// several profiles, processes or mappings use it.
///
/// Not thread-safe: libdwfl sessions are single-threaded.
final class DWARFResolver {
  /// Why a file could not be opened.
  struct OpenError: Error { var message: String }

  /// A loadable segment: file range and where it lands in the ELF address space.
  struct Segment {
    var offset: UInt64
    var fileSize: UInt64
    var vaddr: UInt64
    var memSize: UInt64
  }

  /// The path that was opened.
  let path: String
  /// The GNU build id as lowercase hex, empty if the file has none.
  let buildID: String
  /// PT_LOAD segments in file order.
  let segments: [Segment]
  /// Whether DWARF debug information was found (in the file or a separate debug file).
  private(set) var hasDWARF = false

  private let dwfl: OpaquePointer
  private let module: OpaquePointer
  private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
  private let debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  private var symbols: SymbolTable?
  private var unitRanges: UnitRangeIndex?
  private var subprograms: [Dwarf_Off: SubprogramIndex] = [:]
  private var dwarfChecked = false

  /// Opens `path` and reads its program headers and build id.
  ///
  /// - Throws: ``OpenError`` naming the file and libdwfl's reason.
  init(path: String) throws {
    self.path = path
    debuginfoPath = .allocate(capacity: 1)
    debuginfoPath.initialize(to: nil)
    callbacks = .allocate(capacity: 1)
    callbacks.initialize(
      to: Dwfl_Callbacks(
        find_elf: dwfl_build_id_find_elf, find_debuginfo: dwfl_standard_find_debuginfo,
        section_address: dwfl_offline_section_address, debuginfo_path: debuginfoPath))
    guard let d = dwfl_begin(callbacks) else {
      callbacks.deallocate()
      debuginfoPath.deallocate()
      throw OpenError(message: "\(path): libdwfl could not start: \(Self.lastError())")
    }
    dwfl_report_begin(d)
    let m = dwfl_report_elf(d, path, path, -1, 0, true)
    dwfl_report_end(d, nil, nil)
    guard let m else {
      let reason = Self.lastError()
      dwfl_end(d)
      callbacks.deallocate()
      debuginfoPath.deallocate()
      throw OpenError(message: "\(path): not a readable ELF file (\(reason))")
    }
    dwfl = d
    module = m
    buildID = Self.readBuildID(m)
    segments = Self.readSegments(m)
  }

  deinit {
    dwfl_end(dwfl)
    callbacks.deallocate()
    debuginfoPath.deallocate()
  }

  private static func lastError() -> String {
    guard let msg = dwfl_errmsg(-1) else { return "unknown error" }
    return String(cString: msg)
  }

  private static func readBuildID(_ m: OpaquePointer) -> String {
    var bits: UnsafePointer<UInt8>?
    var vaddr: GElf_Addr = 0
    let n = dwfl_module_build_id(m, &bits, &vaddr)
    guard n > 0, let bits else { return "" }
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for i in 0..<Int(n) {
      out.append(hex[Int(bits[i] >> 4)])
      out.append(hex[Int(bits[i] & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func readSegments(_ m: OpaquePointer) -> [Segment] {
    var bias: GElf_Addr = 0
    guard let elf = dwfl_module_getelf(m, &bias) else { return [] }
    var count = 0
    guard elf_getphdrnum(elf, &count) == 0 else { return [] }
    var result: [Segment] = []
    for i in 0..<count {
      var phdr = GElf_Phdr()
      guard gelf_getphdr(elf, Int32(i), &phdr) != nil, phdr.p_type == UInt32(PT_LOAD) else { continue }
      result.append(Segment(offset: phdr.p_offset, fileSize: phdr.p_filesz, vaddr: phdr.p_vaddr, memSize: phdr.p_memsz))
    }
    return result
  }

  /// The ELF virtual address of file offset `offset`, through the PT_LOAD segment that
  /// holds it, or nil when no segment maps it.
  func virtualAddress(fileOffset offset: UInt64) -> UInt64? {
    for s in segments where offset >= s.offset && offset < s.offset + max(s.fileSize, 1) {
      return offset - s.offset + s.vaddr
    }
    return nil
  }

  /// The frames at ELF virtual address `address`: the innermost inlined function first,
  /// the out-of-line function last. Empty when neither DWARF nor the symbol table knows
  /// the address.
  func frames(at address: UInt64) -> [ResolvedFrame] {
    var moduleBias: GElf_Addr = 0
    _ = dwfl_module_getelf(module, &moduleBias)
    let moduleAddress = address &+ moduleBias
    let symbol = symbolTable().lookup(moduleAddress)

    let unit = compileUnit(moduleAddress)
    if unit != nil { hasDWARF = true }
    var frames = unit.map { dwarfFrames(cu: $0.0, dieAddress: moduleAddress &- $0.1) } ?? []
    if frames.isEmpty {
      guard let symbol else { return [] }
      var f = ResolvedFrame(systemName: symbol, file: "", line: 0, column: 0, startLine: 0)
      if let unit, let (file, line, column) = lineInfo(cu: unit.0, dieAddress: moduleAddress &- unit.1) {
        f.file = file
        f.line = line
        f.column = column
      }
      return [f]
    }
    // The symbol table names the out-of-line function as the linker exports it (`malloc`
    // rather than glibc's internal `__GI___libc_malloc`), except for compiler clones and
    // split parts (`main.cold`, `f.isra.0`), which DWARF names after their source function.
    if let symbol, frames[frames.count - 1].systemName == "??" || !Self.isClone(symbol) {
      frames[frames.count - 1].systemName = symbol
    }
    return frames
  }

  private func symbolTable() -> SymbolTable {
    if let symbols { return symbols }
    let t = SymbolTable(module: module)
    symbols = t
    return t
  }

  /// File, line and column of the line-table row for `dieAddress` in `cu`.
  private func lineInfo(cu: UnsafeMutablePointer<Dwarf_Die>, dieAddress: UInt64) -> (String, Int64, Int64)? {
    guard let line = dwarf_getsrc_die(cu, dieAddress) else { return nil }
    var lineno: Int32 = 0
    var column: Int32 = 0
    _ = dwarf_lineno(line, &lineno)
    _ = dwarf_linecol(line, &column)
    guard let file = dwarf_linesrc(line, nil, nil) else { return nil }
    return (String(cString: file), Int64(lineno), Int64(column))
  }

  /// The compile unit holding `moduleAddress` and the DWARF bias, from
  /// `.debug_aranges` (libdw) or, when the file has none (swiftc emits none), from the
  /// units' own address ranges.
  private func compileUnit(_ moduleAddress: UInt64) -> (UnsafeMutablePointer<Dwarf_Die>, Dwarf_Addr)? {
    var bias: Dwarf_Addr = 0
    if let cu = dwfl_module_addrdie(module, moduleAddress, &bias) { return (cu, bias) }
    if unitRanges == nil { unitRanges = UnitRangeIndex(module: module) }
    return unitRanges?.unit(containing: moduleAddress)
  }

  /// Frames from DWARF scopes: `DW_TAG_inlined_subroutine`s up to the enclosing
  /// `DW_TAG_subprogram`. The innermost frame's line comes from the line table; each
  /// outer frame's line is the `DW_AT_call_file`/`DW_AT_call_line` of the frame it inlined.
  private func dwarfFrames(cu: UnsafeMutablePointer<Dwarf_Die>, dieAddress: UInt64) -> [ResolvedFrame] {
    let chain = functionChain(cu: cu, dieAddress: dieAddress)
    guard !chain.isEmpty else { return [] }
    var frames: [ResolvedFrame] = []
    var file = ""
    var line: Int64 = 0
    var column: Int64 = 0
    if let info = lineInfo(cu: cu, dieAddress: dieAddress) { (file, line, column) = info }
    for k in chain.indices {
      var die = chain[k]
      if k > 0 {
        // The call site recorded on the inlined DIE inside this function.
        var callee = chain[k - 1]
        (file, line, column) = callSite(of: &callee, cu: cu)
      }
      var declLine: Int32 = 0
      _ = dwarf_decl_line(&die, &declLine)
      frames.append(
        ResolvedFrame(
          systemName: Self.name(of: &die), file: file, line: line, column: column, startLine: Int64(declLine)))
    }
    return frames
  }

  /// The function DIEs at `dieAddress`, innermost first: from this unit's
  /// ``SubprogramIndex``, else from `dwarf_getscopes` (which continues an inlined
  /// subroutine with its abstract definition's scopes, so the innermost DIE's physical
  /// parents from `dwarf_getscopes_die` give the concrete callers).
  private func functionChain(cu: UnsafeMutablePointer<Dwarf_Die>, dieAddress: UInt64) -> [Dwarf_Die] {
    let key = dwarf_dieoffset(cu)
    let index: SubprogramIndex
    if let cached = subprograms[key] {
      index = cached
    } else {
      index = SubprogramIndex(cu: cu)
      subprograms[key] = index
    }
    if let chain = index.chain(at: dieAddress) { return chain }

    var innermost: UnsafeMutablePointer<Dwarf_Die>?
    let found = dwarf_getscopes(cu, dieAddress, &innermost)
    guard found > 0, let innermost else { return [] }
    var scopes: UnsafeMutablePointer<Dwarf_Die>?
    let n = dwarf_getscopes_die(innermost, &scopes)
    free(innermost)
    guard n > 0, let scopes else { return [] }
    defer { free(scopes) }
    var chain: [Dwarf_Die] = []
    for i in 0..<Int(n) {
      let tag = Int(dwarf_tag(scopes + i))
      if tag == DW_TAG_inlined_subroutine {
        chain.append(scopes[i])
      } else if tag == DW_TAG_subprogram {
        chain.append(scopes[i])
        break
      }
    }
    return chain
  }

  private func callSite(of die: UnsafeMutablePointer<Dwarf_Die>, cu: UnsafeMutablePointer<Dwarf_Die>) -> (
    String, Int64, Int64
  ) {
    var attr = Dwarf_Attribute()
    var value: Dwarf_Word = 0
    var line: Int64 = 0
    var column: Int64 = 0
    var file = ""
    if dwarf_attr(die, UInt32(DW_AT_call_line), &attr) != nil, dwarf_formudata(&attr, &value) == 0 {
      line = Int64(value)
    }
    if dwarf_attr(die, UInt32(DW_AT_call_column), &attr) != nil, dwarf_formudata(&attr, &value) == 0 {
      column = Int64(value)
    }
    if dwarf_attr(die, UInt32(DW_AT_call_file), &attr) != nil, dwarf_formudata(&attr, &value) == 0 {
      var files: OpaquePointer?
      var count = 0
      if dwarf_getsrcfiles(cu, &files, &count) == 0, let files, Int(value) < count,
        let name = dwarf_filesrc(files, Int(value), nil, nil)
      {
        file = String(cString: name)
      }
    }
    return (file, line, column)
  }

  /// Whether `symbol` names a GCC/Clang clone or split part of a function.
  static func isClone(_ symbol: String) -> Bool {
    for suffix in [".cold", ".part.", ".isra.", ".constprop.", ".lto_priv.", ".llvm.", ".specialized."]
    where symbol.contains(suffix) {
      return true
    }
    return false
  }

  /// The linkage name of a subprogram or inlined subroutine (following abstract origins
  /// and specifications), else its plain name.
  private static func name(of die: UnsafeMutablePointer<Dwarf_Die>) -> String {
    var attr = Dwarf_Attribute()
    for at in [DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name] {
      if dwarf_attr_integrate(die, UInt32(at), &attr) != nil, let s = dwarf_formstring(&attr) {
        return String(cString: s)
      }
    }
    return "??"
  }
}
