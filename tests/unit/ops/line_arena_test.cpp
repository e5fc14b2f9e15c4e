#include "ops/line_arena.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <string>

namespace sluice::ops {
namespace {

TEST_CASE("line arena keeps copies until they are released", "[ops][line_arena]") {
  LineArena a;
  std::string text = "hello";
  auto r = a.store(text);
  text = "xxxxx";
  CHECK(a.view(r) == "hello");
  CHECK(a.bytes() == 5);
  a.release(r);
  CHECK(a.bytes() == 0);
}

TEST_CASE("line arena memory follows what is held, not what went through",
          "[ops][line_arena]") {
  LineArena a;
  std::deque<LineArena::Ref> held;
  std::string line(300, 'x');
  for (int i = 0; i < 100000; ++i) {
    held.push_back(a.store(line));
    if (held.size() > 1000) {
      a.release(held.front());
      held.pop_front();
    }
  }
  CHECK(a.bytes() == 1000 * 300);
  CHECK(a.allocated() <= 4 * LineArena::k_chunk_size);
}

TEST_CASE("line arena stores a line longer than a chunk", "[ops][line_arena]") {
  LineArena a;
  std::string big(3 * LineArena::k_chunk_size, 'b');
  auto small = a.store("s");
  auto r = a.store(big);
  CHECK(a.view(r) == big);
  CHECK(a.view(small) == "s");
  a.release(r);
  CHECK(a.allocated() <= 2 * LineArena::k_chunk_size);
}

} // namespace
} // namespace sluice::ops
