module heapprof.fixtures

go 1.19
