print("cache-leak")
