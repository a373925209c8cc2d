enum JemallocHeapParser {
  static func parse(_ bytes: [UInt8], source: String) throws -> Profile {
    throw ProfileError(file: source, message: "not implemented")
  }
}
