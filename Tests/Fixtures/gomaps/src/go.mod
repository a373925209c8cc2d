module heapprof.fixtures/sessionleak

go 1.19
