import HeapProfile

/// `heapprof maps`: map storage by owner, with the entries each map keeps alive and
/// findings in plain words. The verdict comes first, then the numbers behind it.
public enum MapsReport {
  /// Renders the map owners of `profile` (symbolized, allocator frames not pruned).
  /// - Parameters:
  ///   - source: the file name shown in the header.
  ///   - limit: how many owners to show; the rest are counted in one line.
  public static func render(_ profile: Profile, source: String, limit: Int = 10) -> String {
    let owners = MapAnalysis.owners(in: profile)
    return render(owners: owners, source: source, limit: limit, hint: owners.isEmpty ? noStorageHint(profile) : nil)
  }

  /// Renders already computed owners: those with a finding or a real share of the map
  /// memory in use, up to `limit` (0: every owner, however small). `hint` explains an
  /// empty result (``noStorageHint(_:)``).
  public static func render(owners: [MapOwner], source: String, limit: Int = 10, hint: String? = nil) -> String {
    var out = "Maps in \(source)\n"
    guard !owners.isEmpty else {
      out +=
        "No hash-map storage found: no stack passes through Dictionary, Set, "
        + "NSDictionary, std::unordered_map/map, Go map, redis dict, CPython dict or GHashTable code.\n"
      if let hint { out += hint + "\n" }
      return out
    }
    let findings = owners.flatMap(\.findings)
    let totalTable = owners.reduce(0) { $0 + $1.storageInuseBytes }
    let totalEntries = owners.reduce(0) { $0 + $1.entryInuseBytes }
    out +=
      "\(owners.count) map owner\(owners.count == 1 ? "" : "s"), \(formatBytes(totalTable + totalEntries)) in use "
      + "(tables \(formatBytes(totalTable)), entries \(formatBytes(totalEntries)))\n"
    if findings.isEmpty {
      out += "Verdict: no finding — no map only grows, churns or keeps resizing.\n"
    } else {
      out += "Verdict: \(findings.count) finding\(findings.count == 1 ? "" : "s")\n"
      for f in findings { out += "  * \(f.kind.rawValue): \(f.message)\n" }
    }
    // Start-up code (argument parsing, runtime caches) builds many tiny maps that hold
    // nothing at the end; they are counted, not listed, unless asked for.
    let totalInuse = max(1, totalTable + totalEntries)
    let shownIndices =
      limit == 0
      ? Array(owners.indices)
      : Array(
        owners.indices.filter { !owners[$0].findings.isEmpty || owners[$0].inuseBytes * 100 >= totalInuse }.prefix(
          limit))
    let shown = shownIndices.map { owners[$0] }
    for (n, owner) in shown.enumerated() {
      out += "\n\(n + 1). \(owner.typeDescription) owned by \(owner.owner)\n"
      if let outer = owner.keptBy { out += "  nested:   \(owner.typeDescription) kept by \(outer)\n" }
      let tables = owner.storageInuseObjects
      var inUse =
        "  in use:   \(formatBytes(owner.storageInuseBytes)) in \(tables) storage block\(tables == 1 ? "" : "s")"
      if owner.entryInuseObjects > 0 || owner.entriesAnchor != nil {
        inUse +=
          "; entries \(formatBytes(owner.entryInuseBytes)) in \(owner.entryInuseObjects) object\(owner.entryInuseObjects == 1 ? "" : "s")"
        if let anchor = owner.entriesAnchor { inUse += " allocated under \(anchor)" }
      }
      out += inUse + "\n"
      if let (capacity, counted) = owner.occupancy {
        let tables = "\(owner.tableInuseObjects) live table\(owner.tableInuseObjects == 1 ? "" : "s")"
        var line = "  table:    \(tables), capacity \(capacity) \(owner.kind.capacityUnit)"
        if let entries = counted {
          let percent = Double(entries) * 100 / Double(max(1, capacity))
          line +=
            "; \(entries) live entr\(entries == 1 ? "y" : "ies") (\(String(format: "%.0f", percent))% occupied)"
        }
        out += line + "\n"
      }
      if let allocs = owner.storageAllocObjects {
        // Tables (each resize allocates one), entry nodes, and the rest (headers, overflow
        // buckets, what the map's API allocates itself), when the frames tell them apart.
        var overRun: String
        if owner.tableAllocObjects != nil || owner.nodeAllocObjects != nil {
          let tables = owner.tableAllocObjects ?? 0, nodes = owner.nodeAllocObjects ?? 0
          let other = allocs - tables - nodes
          var parts: [String] = []
          if tables > 0 { parts.append("\(tables) table\(tables == 1 ? "" : "s") (each resize is one)") }
          if nodes > 0 { parts.append("\(nodes) entry node\(nodes == 1 ? "" : "s")") }
          if other > 0 { parts.append("\(other) other allocation\(other == 1 ? "" : "s")") }
          overRun = "  over run: " + parts.joined(separator: " and ") + ", " + formatBytes(owner.storageAllocBytes ?? 0)
        } else {
          overRun =
            "  over run: \(allocs) storage allocation\(allocs == 1 ? "" : "s") (each resize is one), \(formatBytes(owner.storageAllocBytes ?? 0))"
        }
        if let e = owner.entryAllocObjects {
          overRun += "; \(e) entry object\(e == 1 ? "" : "s"), \(formatBytes(owner.entryAllocBytes ?? 0))"
        }
        out += overRun + "\n"
      }
      out += "  path:     \(GrowthReport.pathLines(owner.path, max: 8).joined(separator: " → "))\n"
      for f in owner.findings { out += "  finding:  \(f.kind.rawValue) — \(f.message)\n" }
    }
    if owners.count > shown.count {
      let hidden = owners.indices.filter { !shownIndices.contains($0) }.map { owners[$0] }
      let rest = hidden.count
      let restBytes = hidden.reduce(0) { $0 + $1.inuseBytes }
      let what: String
      if restBytes == 0 {
        what = "holding nothing in use"
      } else if restBytes * 100 < totalInuse {
        what = "holding \(formatBytes(restBytes)) in all, under 1% of the map memory"
      } else {
        let largest = hidden.map(\.inuseBytes).max() ?? 0
        what = "holding \(formatBytes(restBytes)) in all, the largest \(formatBytes(largest))"
      }
      out += "\n(\(rest) more owner\(rest == 1 ? "" : "s") not shown, \(what); --limit 0 lists every owner)\n"
    }
    return out
  }

  /// Why `profile` shows no map storage when the reason is the profile's form, not the
  /// program: Go leaves the runtime's own frames (`runtime.mallocgc`, `runtime.mapassign`,
  /// `runtime.makemap`) out of its protobuf heap profiles and out of the names in the
  /// legacy text form, so map storage looks like any other allocation of its caller. The
  /// legacy text form keeps every address, and symbolizing them from the program
  /// (`--binary`) brings the runtime's frames back.
  public static func noStorageHint(_ profile: Profile) -> String? {
    let names = Set(profile.functions.map(\.name))
    guard names.contains("runtime.main") || names.contains("main.main") else { return nil }
    let runtimeAllocation = names.contains {
      $0.hasPrefix("runtime.mallocgc") || $0.hasPrefix("runtime.newobject") || $0.hasPrefix("runtime.mapassign")
        || $0.hasPrefix("runtime.makemap")
    }
    guard !runtimeAllocation else { return nil }
    // Go's legacy text profile has no memory map (none, or the readers' catch-all one);
    // its protobuf form has the program's.
    let noMemoryMap =
      profile.mappings.isEmpty
      || (profile.mappings.count == 1 && profile.mappings[0].file.isEmpty && profile.mappings[0].start == 0
        && profile.mappings[0].limit == UInt64.max)
    if noMemoryMap {
      return """
        This Go heap profile's own names leave out the Go runtime's frames (runtime.mapassign, \
        runtime.makemap), so map storage cannot be told from other allocations. Symbolize its \
        addresses from the program, which keeps them: heapprof maps --binary PROGRAM FILE.
        """
    }
    return """
      This is a Go protobuf heap profile: Go leaves the runtime's own frames (runtime.mallocgc, \
      runtime.mapassign, runtime.makemap) out of it, so map storage cannot be told from other \
      allocations. Write the legacy text form, which keeps every address — \
      pprof.Lookup("heap").WriteTo(f, 1) in the program, or \
      curl -o heap.txt 'http://HOST/debug/pprof/heap?debug=1' — and read it with the program: \
      heapprof maps --binary PROGRAM heap.txt (set runtime.MemProfileRate = 1 to record every allocation).
      """
  }
}
