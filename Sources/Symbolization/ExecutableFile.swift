import CLibDW
import Glibc

/// What kind of program file an executable is, as far as preloading goes.
public enum ExecutableFile {
  /// The answer of ``linkage(of:)``.
  public enum Linkage: Equatable {
    /// An ELF file with a program interpreter: LD_PRELOAD works.
    case dynamic
    /// An ELF executable without one (statically linked, as Go programs usually are).
    case `static`
    /// Not an ELF file (a script, or unreadable).
    case notELF
  }

  /// Whether `path` is a dynamically or statically linked ELF executable (libelf reads
  /// its program headers: a PT_INTERP header names the dynamic loader).
  public static func linkage(of path: String) -> Linkage {
    elf_version(UInt32(EV_CURRENT))
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .notELF }
    defer { close(fd) }
    guard let elf = elf_begin(fd, ELF_C_READ, nil) else { return .notELF }
    defer { elf_end(elf) }
    guard elf_kind(elf) == ELF_K_ELF else { return .notELF }
    var count = 0
    guard elf_getphdrnum(elf, &count) == 0 else { return .notELF }
    for i in 0..<count {
      var phdr = GElf_Phdr()
      if gelf_getphdr(elf, Int32(i), &phdr) != nil, phdr.p_type == UInt32(PT_INTERP) { return .dynamic }
    }
    return .static
  }
}
