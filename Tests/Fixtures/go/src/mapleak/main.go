// Command mapleak grows a map[string][]byte cache that is never evicted and writes a heap
// profile after each of three rounds of requests (the forgotten-delete leak).
//
// Usage: mapleak OUTDIR
// Writes OUTDIR/mapleak.<n>.pb.gz (gzip profile.proto) and OUTDIR/mapleak.<n>.heap
// (legacy text, debug=1) for n = 1, 2, 3. MemProfileRate is 1: every allocation is recorded.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

type cache struct {
	entries map[string][]byte
}

var sink [][]byte

//go:noinline
func newPayload(n int) []byte {
	return make([]byte, n)
}

//go:noinline
func (c *cache) store(key string, size int) {
	c.entries[key] = newPayload(size)
}

//go:noinline
func handleRequest(c *cache, id int) {
	key := fmt.Sprintf("request-%06d", id)
	c.store(key, 1024)
	// A temporary buffer that does not survive the request.
	sink = append(sink[:0], make([]byte, 256))
}

func writeProfiles(dir string, n int) {
	runtime.GC()
	for _, debug := range []int{0, 1} {
		ext := "pb.gz"
		if debug == 1 {
			ext = "heap"
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("mapleak.%d.%s", n, ext)))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, debug); err != nil {
			panic(err)
		}
		f.Close()
	}
}

func main() {
	runtime.MemProfileRate = 1
	dir := os.Args[1]
	c := &cache{entries: make(map[string][]byte)}
	id := 0
	for round := 1; round <= 3; round++ {
		for i := 0; i < 400; i++ {
			handleRequest(c, id)
			id++
		}
		writeProfiles(dir, round)
	}
	runtime.KeepAlive(c)
}
