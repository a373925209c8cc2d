// Command mapcases is the Go twin of Sources/MapCases (Swift) and ../mapcases.cc (C++):
// one program per map bug, for heapprof's map and growth reports. It records every
// allocation (runtime.MemProfileRate = 1) and, after each round, runs the GC and writes a
// legacy text heap profile (debug=1: raw addresses, so that `heapprof --binary` can name
// the runtime's map frames) to OUTDIR/<case>.<n>.heap.
//
// Usage: mapcases nested|shrink|storm|lru|churn OUTDIR
//
// Ground truth, from Go 1.19's runtime/map.go: 8 slots a bucket, a map grows (doubling
// its bucket array) when it holds more than 6.5 entries a bucket; delete never shrinks it.
package main

import (
	"container/list"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

var (
	outDir string
	name   string
	seq    int
)

func dump() {
	runtime.GC()
	seq++
	f, err := os.Create(filepath.Join(outDir, fmt.Sprintf("%s.%d.heap", name, seq)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mapcases:", err)
		os.Exit(2)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 1); err != nil {
		fmt.Fprintln(os.Stderr, "mapcases:", err)
		os.Exit(2)
	}
}

// nested: sessions emptied with delete while the registry keeps them. Per round 500
// sessions of 32 fields (a 1,000-byte slice each), then all emptied: after round r,
// 500·r inner maps of 8 buckets (32 entries > 6.5·4), every field freed.
var sessions = map[int]map[string][]byte{}

//go:noinline
func openSession(id int) {
	fields := map[string][]byte{}
	for f := 0; f < 32; f++ {
		fields[fmt.Sprintf("field-%02d", f)] = make([]byte, 1000)
	}
	sessions[id] = fields
}

//go:noinline
func closeSession(id int) {
	fields := sessions[id]
	for k := range fields {
		delete(fields, k) // the bug: delete(sessions, id) would free the map too
	}
}

func runNested() {
	for round := 0; round < 3; round++ {
		for i := 0; i < 500; i++ {
			openSession(round*500 + i)
		}
		for i := 0; i < 500; i++ {
			closeSession(round*500 + i)
		}
		dump()
	}
	fmt.Println("sessions:", len(sessions))
}

// shrink: 16,384 sessions (2^12 buckets: 16,384 > 6.5·2^11), then all but 256 deleted:
// the same 4,096 buckets.
type session struct {
	id    int
	state []byte
}

var live = map[int]*session{}

//go:noinline
func admit(id int) { live[id] = &session{id: id, state: make([]byte, 256)} }

//go:noinline
func expire(id int) { delete(live, id) }

func runShrink() {
	for id := 0; id < 16384; id++ {
		admit(id)
	}
	dump()
	for id := 256; id < 16384; id++ {
		expire(id)
	}
	dump()
	fmt.Println("sessions:", len(live))
}

// storm: 150 indexes of 4,096 int → int entries built without a size hint, then dropped:
// 1 → 1,024 buckets (4,096 > 6.5·512), 11 bucket arrays each.
//
//go:noinline
func buildIndex(n, seed int) int {
	index := map[int]int{}
	for i := 0; i < n; i++ {
		index[i*2654435761+seed] = i
	}
	return len(index)
}

func runStorm() {
	total := 0
	for seed := 0; seed < 150; seed++ {
		total += buildIndex(4096, seed)
	}
	dump()
	fmt.Println("entries indexed:", total)
}

// lru: a cache bounded at 1,000 entries, 20,000 requests a round over 2,000 keys.
type lruCache struct {
	capacity int
	order    *list.List
	items    map[int]*list.Element
}

type lruItem struct {
	key   int
	value []byte
}

var cache = lruCache{capacity: 1000, order: list.New(), items: map[int]*list.Element{}}

//go:noinline
func lruPut(key int) {
	if e, ok := cache.items[key]; ok {
		cache.order.Remove(e)
		delete(cache.items, key)
	}
	cache.items[key] = cache.order.PushFront(&lruItem{key: key, value: make([]byte, 512)})
	if len(cache.items) > cache.capacity {
		oldest := cache.order.Back()
		cache.order.Remove(oldest)
		delete(cache.items, oldest.Value.(*lruItem).key)
	}
}

func runLru() {
	for round := 0; round < 3; round++ {
		for i := 0; i < 20000; i++ {
			lruPut((round*20000 + i) % 2000)
		}
		dump()
	}
	fmt.Println("cached:", len(cache.items))
}

// churn: a small map per request (64 entries of 16 ints), 4,000 requests a round.
//
//go:noinline
func handleRequest(id int) int {
	scratch := map[int][]int{}
	for i := 0; i < 64; i++ {
		scratch[i] = make([]int, 16)
	}
	return len(scratch)
}

func runChurn() {
	total := 0
	for round := 0; round < 3; round++ {
		for i := 0; i < 4000; i++ {
			total += handleRequest(i)
		}
		dump()
	}
	fmt.Println("handled:", total)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mapcases nested|shrink|storm|lru|churn OUTDIR")
		os.Exit(2)
	}
	runtime.MemProfileRate = 1
	name, outDir = os.Args[1], os.Args[2]
	switch name {
	case "nested":
		runNested()
	case "shrink":
		runShrink()
	case "storm":
		runStorm()
	case "lru":
		runLru()
	case "churn":
		runChurn()
	default:
		fmt.Fprintln(os.Stderr, "usage: mapcases nested|shrink|storm|lru|churn OUTDIR")
		os.Exit(2)
	}
}
