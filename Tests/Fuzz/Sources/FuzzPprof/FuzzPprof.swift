import HeapProfile

/// libFuzzer entry: pprof protobuf. Inputs that would be sniffed as text or gzip get a
/// zero byte prepended (an empty field 0 tag, which the decoder must reject or skip), so
/// that every execution reaches PprofDecoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPprof(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if bytes.starts(with: Array("heap".utf8)) || bytes.starts(with: [0x1f, 0x8b]) { bytes.insert(0x0a, at: 0) }
  _ = try? ProfileReader.parse(bytes, source: "<fuzz>")
  return 0
}
