// Command sessionleak keeps a map[string]*session cache that is never evicted and writes a
// legacy text heap profile (debug=1, every allocation recorded) after each of three rounds
// of requests: the forgotten-delete leak in Go, for heapprof's map and growth reports.
//
// Usage: sessionleak OUTDIR   (writes OUTDIR/sessionleak.<n>.heap for n = 1, 2, 3)
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

type session struct {
	id    int
	state []byte
}

type sessionStore struct {
	sessions map[string]*session
}

//go:noinline
func newSession(id int) *session {
	return &session{id: id, state: make([]byte, 512)}
}

//go:noinline
func (s *sessionStore) remember(key string, id int) {
	s.sessions[key] = newSession(id)
}

//go:noinline
func serveRequest(s *sessionStore, id int) {
	s.remember(fmt.Sprintf("session-%06d", id), id)
}

func main() {
	runtime.MemProfileRate = 1
	dir := os.Args[1]
	store := &sessionStore{sessions: make(map[string]*session)}
	id := 0
	for round := 1; round <= 3; round++ {
		for i := 0; i < 2000; i++ {
			serveRequest(store, id)
			id++
		}
		runtime.GC()
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("sessionleak.%d.heap", round)))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 1); err != nil {
			panic(err)
		}
		f.Close()
	}
	fmt.Println(len(store.sessions))
}
