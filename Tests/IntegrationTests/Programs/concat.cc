// concat.cc: keeps 100 strings made by std::operator+ (inlined at -O1 with -g), each
// longer than the small-string buffer, so every one allocates under `std::operator+`.
#include <string>
#include <vector>

static std::vector<std::string> kept;

__attribute__((noinline)) void make_names(const char *suffix) {
  for (int i = 0; i < 100; i++) kept.push_back(std::string("a-long-prefix-that-does-not-fit-inline-") + suffix);
}

int main() {
  kept.reserve(100);
  make_names("and-a-suffix");
  return kept.size() == 100 ? 0 : 1;
}
