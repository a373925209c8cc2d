// sampled: writes tcmalloc's sampled heap profile (`@ heap_v2/RATE`, what
// MallocExtension::GetHeapSample and /pprof/heap return) of a process that keeps a
// growing std::unordered_map. Run with TCMALLOC_SAMPLE_PARAMETER=<mean bytes> set.
// Usage: sampled OUTPUT-FILE [ENTRIES]
#include <gperftools/malloc_extension.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

static std::unordered_map<std::string, std::vector<char>> cache;

__attribute__((noinline)) static void store(int id, size_t payload) {
  cache["sampled-key-" + std::to_string(id) + std::string(40, '-')] = std::vector<char>(payload, 'x');
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int entries = argc > 2 ? atoi(argv[2]) : 4000;
  for (int i = 0; i < entries; i++) store(i, 256 + (i % 8) * 1024);
  std::string sample;
  MallocExtension::instance()->GetHeapSample(&sample);
  FILE *f = fopen(argv[1], "w");
  if (!f) return 1;
  fwrite(sample.data(), 1, sample.size(), f);
  fclose(f);
  printf("%zu entries\n", cache.size());
  return 0;
}
