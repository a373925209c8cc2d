module heapprof.fixtures/mapcases

go 1.19
