/// HeapReports computes and renders every report of heapprof from an already symbolized,
/// pruned and filtered ``HeapProfile/Profile``: the call graph (``CallGraph``), `top`
/// (``TopReport``), `traces` (``TracesReport``), `peek` (``PeekReport``), Graphviz DOT
/// (``DotReport``) and folded stacks (``FoldedReport``).
///
/// Numbers, units, percentages, header lines, node ordering and trimming follow
/// `go tool pprof` (google/pprof `internal/graph`, `internal/report`,
/// `internal/measurement`) so that every row can be checked against it.
public enum HeapReports {}
