print("heapprof")
