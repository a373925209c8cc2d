// mapcases: one C++ program per map bug, the C++ twin of Sources/MapCases (Swift), for
// heapprof's map and growth reports. MapCaseTests builds it (g++ -O1 -g, so that inline
// frames carry the container types) and records it with `heapprof record`; each case asks
// the runtime for a dump after every round (heapprof_dump, found with dlsym), and the
// runtime writes one more at exit, after static destructors.
//
// Usage: mapcases nested|shrink|storm|lru|churn
//
// Ground truth, from libstdc++'s _Hashtable: a map grown from empty allocates bucket arrays
// of 13, 29, 59, 127, 257, 541, 1109, 2357, 5087, 10273, 20753 ... heads (8 bytes each,
// max load factor 1), one node per entry; erase() and clear() keep the bucket array.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include <dlfcn.h>

static void dump() {
  typedef int (*dump_fn)(const char *, const char *, char *, size_t);
  dump_fn f = (dump_fn)dlsym(RTLD_DEFAULT, "heapprof_dump");
  if (!f) {
    fprintf(stderr, "mapcases: run me under heapprof record\n");
    exit(3);
  }
  if (f(nullptr, "round", nullptr, 0) != 0) {
    perror("mapcases: heapprof_dump");
    exit(2);
  }
}

// nested: sessions closed with clear() while the registry keeps their key. Per round 500
// sessions of 32 fields (a 1,000-byte vector each) are opened, then all closed. After round
// r: 500·r inner bucket arrays of 59 heads (32 entries: 13 → 29 → 59), every field freed.
typedef std::unordered_map<std::string, std::vector<char>> Fields;
static std::unordered_map<int, Fields> sessions;

__attribute__((noinline)) static void open_session(int id) {
  Fields &fields = sessions[id];
  for (int f = 0; f < 32; f++) {
    char key[16];
    snprintf(key, sizeof key, "field-%02d", f);
    fields[key] = std::vector<char>(1000, 'x');
  }
}

__attribute__((noinline)) static void close_session(int id) {
  sessions[id].clear();  // the bug: sessions.erase(id) would free the table too
}

static void run_nested() {
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 500; i++) open_session(round * 500 + i);
    for (int i = 0; i < 500; i++) close_session(round * 500 + i);
    dump();
  }
  printf("sessions: %zu\n", sessions.size());
}

// shrink: 16,384 entries inserted (the bucket array ends at 20,753 heads), then all but
// 256 erased: the same 20,753 heads, 256 nodes.
static std::unordered_map<int, std::vector<char>> live;

__attribute__((noinline)) static void admit(int id) { live[id] = std::vector<char>(256, 'x'); }
__attribute__((noinline)) static void expire(int id) { live.erase(id); }

static void run_shrink() {
  for (int id = 0; id < 16384; id++) admit(id);
  dump();
  for (int id = 256; id < 16384; id++) expire(id);
  dump();
  printf("sessions: %zu\n", live.size());
}

// storm: 150 indexes of 4,096 int → int entries built from empty without reserve(), then
// dropped: 9 bucket arrays each (13 … 5,087 heads), 1,350 in all, none live.
__attribute__((noinline)) static size_t build_index(int n, int seed) {
  std::unordered_map<int, int> index;
  for (int i = 0; i < n; i++) index[i * 2654435761u + seed] = i;
  return index.size();
}

static void run_storm() {
  size_t total = 0;
  for (int seed = 0; seed < 150; seed++) total += build_index(4096, seed);
  dump();
  printf("entries indexed: %zu\n", total);
}

// lru: a cache bounded at 1,000 entries (least recently used evicted), 20,000 requests of
// 1,000 distinct keys cycling through 2,000: bounded, never a leak.
struct Lru {
  size_t capacity;
  std::list<int> order;
  std::unordered_map<int, std::pair<std::vector<char>, std::list<int>::iterator>> items;
};
static Lru lru{1000, {}, {}};

__attribute__((noinline)) static void lru_put(int key) {
  auto it = lru.items.find(key);
  if (it != lru.items.end()) {
    lru.order.erase(it->second.second);
    lru.items.erase(it);
  }
  lru.order.push_front(key);
  lru.items[key] = {std::vector<char>(512, 'x'), lru.order.begin()};
  if (lru.items.size() > lru.capacity) {
    lru.items.erase(lru.order.back());
    lru.order.pop_back();
  }
}

static void run_lru() {
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 20000; i++) lru_put((round * 20000 + i) % 2000);
    dump();
  }
  printf("cached: %zu\n", lru.items.size());
}

// churn: a small map per request (64 entries of 16 ints), 4,000 requests a round.
__attribute__((noinline)) static size_t handle_request(int id) {
  std::unordered_map<int, std::vector<int>> scratch;
  for (int i = 0; i < 64; i++) scratch[i] = std::vector<int>(16, id);
  return scratch.size();
}

static void run_churn() {
  size_t total = 0;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 4000; i++) total += handle_request(i);
    dump();
  }
  printf("handled: %zu\n", total);
}

int main(int argc, char **argv) {
  const char *usage = "usage: mapcases nested|shrink|storm|lru|churn\n";
  if (argc != 2) {
    fputs(usage, stderr);
    return 2;
  }
  if (!strcmp(argv[1], "nested")) run_nested();
  else if (!strcmp(argv[1], "shrink")) run_shrink();
  else if (!strcmp(argv[1], "storm")) run_storm();
  else if (!strcmp(argv[1], "lru")) run_lru();
  else if (!strcmp(argv[1], "churn")) run_churn();
  else {
    fputs(usage, stderr);
    return 2;
  }
  return 0;
}
