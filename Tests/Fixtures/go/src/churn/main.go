// Command churn builds and drops a new map for every request, so that a lot is allocated
// and little stays in use. MemProfileRate is 512 KiB (Go's default), so values are sampled
// and unbiased by the runtime.
//
// Usage: churn OUTDIR
// Writes OUTDIR/churn.pb.gz and OUTDIR/churn.heap.
package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var keep []map[int]string

//go:noinline
func buildIndex(n int) map[int]string {
	m := make(map[int]string)
	for i := 0; i < n; i++ {
		m[i] = strconv.Itoa(i * 7919)
	}
	return m
}

//go:noinline
func serve(i int) int {
	m := buildIndex(64 + i%64)
	if i%500 == 0 {
		keep = append(keep, m)
	}
	return len(m)
}

func main() {
	runtime.MemProfileRate = 512 * 1024
	dir := os.Args[1]
	total := 0
	for i := 0; i < 20000; i++ {
		total += serve(i)
	}
	runtime.GC()
	for _, debug := range []int{0, 1} {
		name := "churn.pb.gz"
		if debug == 1 {
			name = "churn.heap"
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
	runtime.KeepAlive(keep)
	_ = total
}
