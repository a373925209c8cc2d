// Command calltree allocates from a small call tree with shared callees, recursion and
// an inlined helper, so that reports see several callers per node, inline edges and
// nodes that trimming drops. MemProfileRate is 1.
//
// Usage: calltree OUTDIR
// Writes OUTDIR/calltree.pb.gz and OUTDIR/calltree.heap.
package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

var live [][]byte

// alloc is small enough to be inlined into its callers.
func alloc(n int) []byte {
	b := make([]byte, n)
	live = append(live, b)
	return b
}

//go:noinline
func leaf(n int) { alloc(n) }

//go:noinline
func parseRecord(depth int) {
	if depth > 0 {
		parseRecord(depth - 1)
		return
	}
	leaf(512)
}

//go:noinline
func loadConfig() {
	for i := 0; i < 4; i++ {
		parseRecord(3)
	}
	alloc(16 << 10)
}

//go:noinline
func buildTables() {
	for i := 0; i < 32; i++ {
		leaf(4096)
	}
	for i := 0; i < 3; i++ {
		parseRecord(1)
	}
}

//go:noinline
func tiny() { leaf(8) }

func main() {
	runtime.MemProfileRate = 1
	dir := os.Args[1]
	loadConfig()
	buildTables()
	tiny()
	runtime.GC()
	for _, debug := range []int{0, 1} {
		name := "calltree.pb.gz"
		if debug == 1 {
			name = "calltree.heap"
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, debug); err != nil {
			panic(err)
		}
		f.Close()
	}
	runtime.KeepAlive(live)
}
