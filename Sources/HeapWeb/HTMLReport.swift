import Foundation
import HeapProfile

/// `heapprof html`: the flame graph (of every snapshot; for the newest also of allocated
/// space and caller-rooted), the timeline, the map findings and the growth findings in
/// one self-contained HTML file. Its data is the web UI's own view data (the same JSON), kept
/// gzipped and base64-encoded in the page; its scripts and style are inline and allowed by
/// their hashes alone, so it opens from `file://` and makes no request of any kind.
public enum HTMLReport {
  /// A report keeps frames at least 1/5000 of the total wide: narrower ones are below a
  /// pixel on a screen the report is read on, and would only make the file large.
  static let narrowest: Int64 = 5000

  /// The report page for `series`.
  /// - Throws: when a view cannot be computed or the data not compressed.
  public static func render(_ series: WebSeries, title: String) throws -> String {
    let views = WebViews(series: series, renderDot: nil)
    let snapshots = series.snapshots
    var entries: [(String, Data)] = [("meta", try views.meta())]
    if snapshots.count >= 2 { entries.append(("growth", try views.growth())) }
    guard let newest = snapshots.last?.profile else { throw WebQuery.Failure(status: 404, message: "no profile") }
    let defaultType = newest.sampleTypes.isEmpty ? "" : newest.sampleTypes[newest.defaultSampleIndex].type
    // The sample types a report carries: the default, and allocated space when there is one.
    var types = [defaultType]
    if let alloc = newest.sampleTypes.first(where: { $0.type == "alloc_space" })?.type, alloc != defaultType {
      types.append(alloc)
    }
    for s in snapshots {
      let newest = s.index == snapshots.count - 1
      let p = newest ? nil : String(s.index)
      // Every snapshot's flame graph of the default type; the newest one's also of
      // allocated space and caller-rooted (the size of a report stays that of its data:
      // a few MB for 20 snapshots of 20,000 stacks).
      for type in newest ? types : [defaultType] {
        for inverted in newest ? [false, true] : [false] {
          // The canonical query the page asks for (util.js): default type, newest snapshot
          // and a root-first graph are not written.
          var params: [(String, String)] = []
          if type != defaultType { params.append(("si", type)) }
          if let p { params.append(("p", p)) }
          if inverted { params.append(("inv", "1")) }
          let query = params.map { "\($0)=\($1)" }.joined(separator: "&")
          let q = try WebQuery(query)
          entries.append(("flame" + (query.isEmpty ? "" : "?" + query), try views.flame(q, narrowest: Self.narrowest)))
        }
      }
      entries.append(("maps" + (p.map { "?p=\($0)" } ?? ""), try views.maps(try WebQuery(p.map { "p=\($0)" } ?? ""))))
    }
    // One JSON object of all views: {"views": {"meta": {...}, "flame?si=…": {...}, …},
    // "sampleTypes": [...]}; each view is already JSON, so it is spliced in as it is.
    var json = "{\"sampleTypes\":[" + types.map(WebViews.quote).joined(separator: ",") + "],\"views\":{"
    json += entries.map { WebViews.quote($0.0) + ":" + String(decoding: $0.1, as: UTF8.self) }.joined(separator: ",")
    json += "}}"
    let compressed = try Gzip.compress(Array(json.utf8), level: 9)
    return Assets.reportPage(title: title, data: Data(compressed).base64EncodedString())
  }
}
