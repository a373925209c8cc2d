import HeapProfile

/// LocalSymbolizer symbolizes a profile from the object files on this machine.
///
/// For every location whose mapping does not already carry functions
/// (`Mapping.hasFunctions`) and that has no lines yet:
/// 1. the mapping's file is found (``SymbolizerOptions``) and opened once per file;
/// 2. the address becomes a file offset (`address - start + offset`), then an ELF
///    virtual address through the PT_LOAD program headers;
/// 3. DWARF (if any) gives the inlined frames innermost first, the out-of-line function
///    last, each with file and line; else the ELF symbol table gives the function;
/// 4. names are demangled (``Demangler/displayName(_:)``) into `Function.name`, the
///    linker symbol kept in `Function.systemName`.
///
/// A location that cannot be resolved gets one function named `MODULE+0xOFFSET` (the
/// basename of the mapping's file and the file offset), or `0xADDRESS` when it lies in
/// no mapping. Each missing, unreadable or changed file gives exactly one warning.
/// A mapping's `has*` flags are set from what was found. Existing functions are kept
/// and their mangled names demangled (``demangleNames(_:)``), and `dropFrames` /
/// `keepFrames` are set to HeapProfile's ``AllocatorFrames`` (joined with any other
/// pattern the input carried, as a protobuf from Go does).
///
/// Resolvers are cached for the life of the symbolizer, so symbolizing several
/// profiles of one program reads each file once. Not thread-safe.
public final class LocalSymbolizer: Symbolizer {
  private let options: SymbolizerOptions
  private let locator: ObjectLocator
  private var displayNames: [String: String] = [:]

  /// Creates a symbolizer that finds files as `options` say.
  public init(options: SymbolizerOptions = .init()) {
    self.options = options
    locator = ObjectLocator(options: options)
  }

  /// Returns `profile` symbolized, with one warning per file that could not be used.
  public func symbolize(_ profile: Profile) -> SymbolizationResult {
    var p = demangleNames(profile)
    var warnings: [String] = []
    // A profile without a memory map (Go's legacy text: no mapping, or the readers'
    // catch-all one) is placed with --binary.
    let noMemoryMap =
      p.mappings.isEmpty
      || (p.mappings.count == 1 && p.mappings[0].file.isEmpty && p.mappings[0].start == 0
        && p.mappings[0].limit == UInt64.max)
    if noMemoryMap, let binary = options.binaryPath {
      let (mappings, problem) = ExecutableMapping.mappings(for: binary)
      p.mappings = mappings
      if let problem { warnings.append(problem) }
    }
    // A build id recorded on one mapping of a file holds for all its mappings.
    var buildIDs: [String: String] = [:]
    for m in p.mappings where !m.buildID.isEmpty && buildIDs[m.file] == nil { buildIDs[m.file] = m.buildID }
    var warned: Set<String> = []
    var functions = FunctionTable(p.functions)
    let mappingIndex = Dictionary(p.mappings.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    // `--binary` replaces the file of the first mapping, in all of that file's mappings.
    let mainFile = p.mappings.first?.file

    struct Found { var functions = false, files = false, lines = false, inlines = false }
    var found: [UInt64: Found] = [:]
    // Files that were read but named none of the addresses in them (stripped binaries).
    var unnamed: [String: (module: String, count: Int)] = [:]

    for i in p.locations.indices {
      let location = p.locations[i]
      guard location.lines.isEmpty else { continue }
      // A location without a mapping id is looked up by address (some readers leave it 0).
      let byAddress = { p.mappings.firstIndex { $0.contains(location.address) } }
      guard let mi = mappingIndex[location.mappingID] ?? (location.mappingID == 0 ? byAddress() : nil) else {
        let id = functions.id(name: "0x" + hex(location.address), systemName: "", file: "", startLine: 0)
        p.locations[i].lines = [Line(functionID: id)]
        continue
      }
      var mapping = p.mappings[mi]
      if mapping.hasFunctions { continue }
      if mapping.buildID.isEmpty, let id = buildIDs[mapping.file] { mapping.buildID = id }
      let fileOffset = location.address &- mapping.start &+ mapping.offset
      var frames: [ResolvedFrame] = []
      var readFrom: String?
      switch locator.locate(mapping, isMain: mapping.file == mainFile, profileTimeNanos: p.timeNanos) {
      case .found(let resolver, let warning):
        readFrom = resolver.path
        if let warning, warned.insert(warning).inserted { warnings.append(warning) }
        if let vaddr = resolver.virtualAddress(fileOffset: fileOffset) {
          frames = resolver.frames(at: vaddr)
        }
        if resolver.hasDWARF { found[mapping.id, default: Found()].inlines = true }
      case .unusable(let warning):
        if warned.insert(warning).inserted { warnings.append(warning) }
      case .skipped:
        break
      }
      if frames.isEmpty {
        if let readFrom { unnamed[readFrom, default: (ObjectLocator.moduleName(mapping.file), 0)].count += 1 }
        let name = ObjectLocator.moduleName(mapping.file) + "+0x" + hex(fileOffset)
        p.locations[i].lines = [Line(functionID: functions.id(name: name, systemName: "", file: "", startLine: 0))]
        continue
      }
      var lines: [Line] = []
      for f in frames {
        let id = functions.id(
          name: displayName(f.systemName), systemName: f.systemName, file: f.file, startLine: f.startLine)
        lines.append(Line(functionID: id, line: f.line, column: f.column))
        found[mapping.id, default: Found()].functions = true
        if !f.file.isEmpty { found[mapping.id, default: Found()].files = true }
        if f.line > 0 { found[mapping.id, default: Found()].lines = true }
      }
      p.locations[i].lines = lines
    }
    // Stripped files, in one line; allocator libraries are left out (their frames are
    // dropped from reports anyway).
    let stripped = unnamed.filter { !Self.isAllocatorLibrary($0.value.module) }.sorted { $0.key < $1.key }
    if !stripped.isEmpty {
      let list = stripped.map { "\($0.key) (\($0.value.count) address\($0.value.count == 1 ? "" : "es"))" }
      warnings.append(
        "no symbols in \(stripped.count == 1 ? "a stripped file" : "\(stripped.count) stripped files"), whose frames show "
          + "as FILE+0xOFFSET: \(list.joined(separator: ", ")); install debug symbols (Debian: the -dbgsym package of the "
          + "package that ships each file, from the debian-debug archive; `dpkg -S FILE` names it) or pass --search-path "
          + "DIR holding unstripped copies; heapprof does not ask debuginfod servers")
    }
    if noMemoryMap, options.binaryPath == nil, p.locations.contains(where: { $0.lines.isEmpty }) {
      warnings.append(
        "the profile has no memory map (Go's legacy text heap profile), so its addresses cannot be symbolized "
          + "without the program: pass --binary PATH naming the Go program that wrote it")
    }
    for (id, f) in found where f.functions {
      guard let mi = mappingIndex[id] else { continue }
      p.mappings[mi].hasFunctions = true
      p.mappings[mi].hasFilenames = f.files
      p.mappings[mi].hasLineNumbers = f.lines
      p.mappings[mi].hasInlineFrames = f.inlines
    }
    p.functions = functions.functions
    p.dropFrames = AllocatorFrames.combine(AllocatorFrames.dropFramesRegex, with: p.dropFrames)
    p.keepFrames = AllocatorFrames.combine(AllocatorFrames.keepFramesRegex, with: p.keepFrames)
    return SymbolizationResult(profile: p, warnings: warnings)
  }

  /// Whether a module (file base name) is an allocator library whose own frames reports drop.
  static func isAllocatorLibrary(_ module: String) -> Bool {
    ["libjemalloc.so", "libtcmalloc", "libmimalloc.so"].contains { module.hasPrefix($0) }
  }

  private func displayName(_ symbol: String) -> String {
    if let cached = displayNames[symbol] { return cached }
    let name = Demangler.displayName(symbol)
    displayNames[symbol] = name
    return name
  }

  private func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}

/// The functions of a profile being symbolized, deduplicated by (name, system name, file,
/// start line), with fresh ids after the largest existing one.
private struct FunctionTable {
  private struct Key: Hashable {
    var name, systemName, file: String
    var startLine: Int64
  }
  private(set) var functions: [Function]
  private var ids: [Key: UInt64] = [:]
  private var nextID: UInt64

  init(_ existing: [Function]) {
    functions = existing
    nextID = (existing.map(\.id).max() ?? 0) + 1
    for f in existing {
      let key = Key(name: f.name, systemName: f.systemName, file: f.filename, startLine: f.startLine)
      if ids[key] == nil { ids[key] = f.id }
    }
  }

  mutating func id(name: String, systemName: String, file: String, startLine: Int64) -> UInt64 {
    let key = Key(name: name, systemName: systemName, file: file, startLine: startLine)
    if let id = ids[key] { return id }
    let id = nextID
    nextID += 1
    ids[key] = id
    functions.append(Function(id: id, name: name, systemName: systemName, filename: file, startLine: startLine))
    return id
  }
}
