import HeapProfile

/// Symbolization turns the addresses of a ``Profile`` into functions, source files, line
/// numbers and inlined frames, and demangles Swift and C++ names.
///
/// ``LocalSymbolizer`` reads ELF and DWARF through elfutils libdw; ``Demangler`` and
/// ``demangleNames(_:)`` handle names; ``AllocatorFrames`` lists the allocator frames
/// reports drop.

/// Symbolizer is the seam between loading a profile and reporting on it: the CLI uses
/// ``LocalSymbolizer``; report and CLI tests may use a table-driven fake.
public protocol Symbolizer {
  /// Returns `profile` with its locations symbolized, and the warnings met on the way.
  /// Never fails: what cannot be resolved is named `MODULE+0xOFFSET`.
  func symbolize(_ profile: Profile) -> SymbolizationResult
}
