// mapleak: a small C++ program that leaks into hash maps and ordered maps, used to make
// real gperftools (tcmalloc) and jemalloc heap profiles for heapprof's parser tests.
//
// It keeps every entry it inserts: an std::unordered_map<std::string, std::vector<char>>
// cache (the "forgotten delete" leak) and an std::map<int, std::string> index, and frees
// a third, temporary map each round (churn). Between rounds it asks the profiler for a
// dump when one is linked (tcmalloc's HeapProfilerDump, jemalloc's prof.dump), so each
// run writes several snapshots of a growing heap.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <dlfcn.h>

static std::unordered_map<std::string, std::vector<char>> cache;
static std::map<int, std::string> index_by_id;

__attribute__((noinline)) static void store(int id, size_t payload) {
  char key[64];
  snprintf(key, sizeof key, "request-key-with-a-long-name-%06d", id);
  cache[key] = std::vector<char>(payload, 'x');
}

__attribute__((noinline)) static void remember(int id) {
  index_by_id[id] = std::string(48, 'a' + id % 26);
}

__attribute__((noinline)) static size_t churn(int n) {
  std::unordered_map<int, std::vector<int>> temp;
  for (int i = 0; i < n; i++) temp[i] = std::vector<int>(16, i);
  return temp.size();
}

// Asks whichever profiler is present for a dump; does nothing without one.
static void dump(const char *reason) {
  typedef void (*heap_dump_fn)(const char *);
  if (heap_dump_fn f = (heap_dump_fn)dlsym(RTLD_DEFAULT, "HeapProfilerDump")) {
    f(reason);
    return;
  }
  typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
  if (mallctl_fn f = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl")) {
    const char *path = getenv("MAPLEAK_JEMALLOC_DUMP");
    if (path) {
      static int seq = 0;
      char name[4096];
      snprintf(name, sizeof name, "%s.%d.heap", path, ++seq);
      const char *p = name;
      f("prof.dump", nullptr, nullptr, &p, sizeof p);
    }
  }
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 3;
  int per_round = argc > 2 ? atoi(argv[2]) : 200;
  size_t total = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < per_round; i++) {
      int id = r * per_round + i;
      store(id, 1024 + (id % 4) * 512);
      remember(id);
    }
    total += churn(per_round);
    dump("round");
  }
  printf("%zu entries, %zu indexed, %zu churned\n", cache.size(), index_by_id.size(), total);
  return 0;
}
