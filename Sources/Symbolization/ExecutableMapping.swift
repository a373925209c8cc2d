import CLibDW
import Glibc
import HeapProfile

/// Mappings for a binary named with `--binary` when the profile itself has no memory
/// map, as Go's legacy text heap profiles (`debug=1`) have none. A binary that is not
/// position-independent (Go's default, `-no-pie` C) is loaded at the addresses its
/// PT_LOAD headers name, so each segment maps one-to-one.
enum ExecutableMapping {
  /// One mapping per loadable segment of `path`, or nil (with the reason) when the file
  /// cannot be read or is position-independent, whose load address the profile would
  /// have to tell.
  static func mappings(for path: String) -> (mappings: [Mapping], problem: String?) {
    elf_version(UInt32(EV_CURRENT))
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return ([], "\(path): cannot open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    guard let elf = elf_begin(fd, ELF_C_READ, nil) else { return ([], "\(path): not an ELF file") }
    defer { elf_end(elf) }
    var header = GElf_Ehdr()
    guard gelf_getehdr(elf, &header) != nil else { return ([], "\(path): not an ELF file") }
    guard header.e_type == UInt16(ET_EXEC) else {
      return (
        [],
        "\(path) is position-independent and the profile has no memory map to place it; "
          + "heapprof needs the profile's MAPPED_LIBRARIES section for such binaries"
      )
    }
    var count = 0
    guard elf_getphdrnum(elf, &count) == 0 else { return ([], "\(path): unreadable program headers") }
    var result: [Mapping] = []
    for i in 0..<count {
      var phdr = GElf_Phdr()
      guard gelf_getphdr(elf, Int32(i), &phdr) != nil, phdr.p_type == UInt32(PT_LOAD),
        phdr.p_flags & UInt32(PF_X) != 0
      else { continue }
      result.append(
        Mapping(
          id: UInt64(result.count + 1), start: phdr.p_vaddr, limit: phdr.p_vaddr + phdr.p_memsz,
          offset: phdr.p_offset, file: path))
    }
    return (result, result.isEmpty ? "\(path): no executable segment" : nil)
  }
}
