import Foundation

/// The page's own files (Sources/HeapWeb/Assets), embedded in the binary by SwiftPM
/// (`.embedInCode`): no file is read at run time, and a report inlines them.
enum Assets {
  /// The scripts, in the order they load (each adds to the one `HP` namespace).
  static let scripts: [(name: String, bytes: [UInt8])] = [
    ("util.js", PackageResources.util_js), ("flame.js", PackageResources.flame_js),
    ("timeline.js", PackageResources.timeline_js), ("views.js", PackageResources.views_js),
    ("app.js", PackageResources.app_js),
  ]
  static let stylesheet: [UInt8] = PackageResources.app_css

  /// A file under `/static/`, with its content type; nil for any other name.
  static func file(_ name: String) -> (type: String, bytes: [UInt8])? {
    if name == "app.css" { return ("text/css; charset=utf-8", stylesheet) }
    if let s = scripts.first(where: { $0.name == name }) { return ("text/javascript; charset=utf-8", s.bytes) }
    return nil
  }

  /// The served page's Content-Security-Policy: its own scripts and styles only, no
  /// inline code, no other host.
  static let serverPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

  /// The served page: the shell that loads the scripts, which draw everything.
  static func page(live: Bool) -> String {
    var html = """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>heapprof</title>
      <link rel="icon" href="data:,">
      <link rel="stylesheet" href="/static/app.css">

      """
    for s in scripts { html += "<script defer src=\"/static/\(s.name)\"></script>\n" }
    html += "</head>\n<body><p>heapprof is loading\(live ? " (live)" : "")…</p></body>\n</html>\n"
    return html
  }

  /// A self-contained report page: the stylesheet and the scripts inline, `data` (gzip,
  /// then base64) in a non-executed script block, and a policy that allows exactly these
  /// (by their SHA-256) and nothing else: no request of any kind leaves the page.
  static func reportPage(title: String, data: String) -> String {
    let css = String(decoding: stylesheet, as: UTF8.self)
    let js = scripts.map { "// \($0.name)\n" + String(decoding: $0.bytes, as: UTF8.self) }.joined(separator: "\n")
    let policy =
      "default-src 'none'; script-src 'sha256-\(SHA256.base64(Array(js.utf8)))'; "
      + "style-src 'sha256-\(SHA256.base64(Array(css.utf8)))'; img-src data:; base-uri 'none'; form-action 'none'"
    return """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="\(policy)">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(escapeHTML(title))</title>
      <link rel="icon" href="data:,">
      <style>\(css)</style>
      </head>
      <body>
      <p>heapprof report: loading…</p>
      <script type="application/octet-stream;base64" id="heapprof-data">\(data)</script>
      <script>\(js)</script>
      </body>
      </html>

      """
  }

  static func escapeHTML(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
