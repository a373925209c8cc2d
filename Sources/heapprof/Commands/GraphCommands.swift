import ArgumentParser
import Foundation
import HeapProfile
import HeapReports

/// `heapprof dot`.
struct DotCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "dot",
    abstract: "The call graph in Graphviz DOT, pprof's conventions.",
    discussion: """
      Boxes are functions (font size grows with flat), edges are calls weighted by the memory \
      that flows through them; dotted edges skip trimmed nodes. Long Swift names are \
      shortened in the boxes; the full name is the tooltip. Writes to stdout unless -o.
      """)
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output:
    String?
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func execute() throws {
    let r = try PreparedReport(paths: profiles, report: report, symbolization: symbolization)
    let dot = DotReport.render(r.profile, options: r.options)
    if let output {
      try OutputFile.write(Data(dot.utf8), to: output, inputs: profiles + [report.base].compactMap { $0 })
      printError("heapprof: wrote \(output)")
    } else {
      print(dot, terminator: "")
    }
  }
}

/// `heapprof svg`.
struct SvgCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "svg",
    abstract: "The call graph rendered to SVG (or PNG, PDF, JPEG, GIF) by Graphviz `dot`.",
    discussion: """
      Needs Graphviz (Debian: apt-get install graphviz). The format follows the extension of \
      -o: .svg, .png, .pdf, .jpg/.jpeg or .gif. Example: heapprof svg app.heap -o heap.svg
      """)
  @OptionGroup var report: ReportOptionGroup
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Option(name: .short, help: ArgumentHelp("The file to write (.svg, .png, .pdf, .jpg or .gif).", valueName: "file"))
  var output: String
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  /// Graphviz output formats by file extension.
  static let formats: [String: String] = [
    "svg": "svg", "png": "png", "pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "gif": "gif",
  ]

  func execute() throws {
    try OutputFile.refuseInputs(output, inputs: profiles + [report.base].compactMap { $0 })
    guard let format = Self.formats[URL(fileURLWithPath: output).pathExtension.lowercased()] else {
      throw CLIError(
        "-o \(output): heapprof svg writes .svg, .png, .pdf, .jpg or .gif files, chosen by the extension "
          + "(`heapprof dot` writes the graph as DOT text)")
    }
    guard let dotTool = System.which("dot") else {
      throw CLIError(
        "Graphviz `dot` is not installed (Debian: apt-get install graphviz); `heapprof dot` writes the graph without it"
      )
    }
    let r = try PreparedReport(paths: profiles, report: report, symbolization: symbolization)
    let dot = DotReport.render(r.profile, options: r.options)
    let svg = try System.run(dotTool, ["-T\(format)"], input: Data(dot.utf8))
    guard svg.status == 0 else {
      throw CLIError("Graphviz dot failed (status \(svg.status)): \(svg.stderr.split(separator: "\n").first ?? "")")
    }
    try OutputFile.write(svg.stdout, to: output, inputs: profiles + [report.base].compactMap { $0 })
    printError("heapprof: wrote \(output)")
  }
}

/// `heapprof proto`.
struct ProtoCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "proto",
    abstract: "Write the profile as symbolized, gzipped pprof protobuf.",
    discussion: """
      Function names are demangled (mangled names kept as system names) and drop_frames \
      names the Swift runtime's allocators too, so `go tool pprof`, speedscope and other \
      pprof tools show the same numbers as heapprof. Example: heapprof proto app.heap -o app.pb.gz
      """)
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Option(help: ArgumentHelp("Subtract this profile first.", valueName: "profile")) var base: String?
  @Option(name: .short, help: ArgumentHelp("The .pb.gz file to write.", valueName: "file")) var output: String
  @Argument(help: "Profiles to read (merged).") var profiles: [String]

  func execute() throws {
    let profile = try ProfileLoader(symbolization: symbolization).load(profiles, base: base)
    try OutputFile.write(try profile.pprofData(gzip: true), to: output, inputs: profiles + [base].compactMap { $0 })
    printError("heapprof: wrote \(output)")
  }
}
