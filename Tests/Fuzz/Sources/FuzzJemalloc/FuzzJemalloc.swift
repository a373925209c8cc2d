import HeapProfile

/// libFuzzer entry: jemalloc `heap_v2/` profiles (the header is prepended when missing,
/// so that every execution reaches JemallocHeapParser).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJemalloc(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let header = Array("heap_v2/".utf8)
  if !bytes.starts(with: header) { bytes = header + bytes }
  _ = try? ProfileReader.parse(bytes, source: "<fuzz>")
  return 0
}
