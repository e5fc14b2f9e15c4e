#include "core/bounded_queue.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sluice::core {
namespace {

using namespace std::chrono_literals;
using Queue = BoundedQueue<std::string>;

bool is_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

TEST_CASE("bounded queue hands items over in order", "[core][bounded_queue]") {
  Queue q(4);
  for (std::string s : {"a", "b", "c"}) {
    REQUIRE(q.push(s, 0ms) == Queue::Push::pushed);
    CHECK(s.empty()); // moved from
  }
  CHECK(q.size() == 3);
  std::string out;
  REQUIRE(q.try_pop(&out));
  CHECK(out == "a");
  REQUIRE(q.try_pop(&out));
  CHECK(out == "b");
  REQUIRE(q.try_pop(&out));
  CHECK(out == "c");
  CHECK_FALSE(q.try_pop(&out));
  CHECK_FALSE(q.is_ended());
}

TEST_CASE("bounded queue refuses a push while full and keeps the item", "[core][bounded_queue]") {
  Queue q(2);
  std::string a = "a";
  std::string b = "b";
  std::string c = "c";
  REQUIRE(q.push(a, 0ms) == Queue::Push::pushed);
  REQUIRE(q.push(b, 0ms) == Queue::Push::pushed);
  CHECK(q.push(c, 5ms) == Queue::Push::timeout);
  CHECK(c == "c");
  std::string out;
  REQUIRE(q.try_pop(&out));
  CHECK(q.push(c, 0ms) == Queue::Push::pushed);
}

TEST_CASE("bounded queue fd is readable exactly while something waits", "[core][bounded_queue]") {
  Queue q(3);
  CHECK_FALSE(is_readable(q.fd()));
  std::string a = "a";
  std::string b = "b";
  q.push(a, 0ms);
  q.push(b, 0ms);
  CHECK(is_readable(q.fd()));
  std::string out;
  q.try_pop(&out);
  CHECK(is_readable(q.fd()));
  q.try_pop(&out);
  CHECK_FALSE(is_readable(q.fd()));
  q.close();
  CHECK(is_readable(q.fd()));
  CHECK(q.is_ended());
}

TEST_CASE("bounded queue delivers items before the producer's exception", "[core][bounded_queue]") {
  Queue q(4);
  std::string a = "a";
  q.push(a, 0ms);
  q.fail(std::make_exception_ptr(std::runtime_error("connection lost")));
  CHECK(is_readable(q.fd()));
  std::string out;
  REQUIRE(q.try_pop(&out));
  CHECK(out == "a");
  CHECK_THROWS_WITH(q.try_pop(&out), "connection lost");
  CHECK(q.is_ended());
  CHECK_FALSE(q.try_pop(&out));
}

TEST_CASE("bounded queue cancel releases a producer waiting for room", "[core][bounded_queue]") {
  Queue q(1);
  std::string a = "a";
  q.push(a, 0ms);
  Queue::Push result = Queue::Push::pushed;
  std::thread producer([&] {
    std::string b = "b";
    result = q.push(b, 10s);
  });
  std::this_thread::sleep_for(20ms);
  q.cancel();
  producer.join();
  CHECK(result == Queue::Push::closed);
}

TEST_CASE("bounded queue carries a thread's items and failure to the consumer",
          "[core][bounded_queue]") {
  Queue q(3);
  constexpr int k_items = 5000;
  std::thread producer([&] {
    try {
      for (int i = 0; i < k_items; ++i) {
        std::string item = std::to_string(i);
        while (q.push(item, 1ms) == Queue::Push::timeout) {
        }
      }
      throw std::runtime_error("stream ended badly");
    } catch (...) {
      q.fail(std::current_exception());
    }
  });
  std::vector<int> got;
  std::string error;
  try {
    for (;;) {
      std::string out;
      if (q.pop(&out, 100ms)) {
        got.push_back(std::stoi(out));
      }
    }
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  producer.join();
  REQUIRE(got.size() == k_items);
  for (int i = 0; i < k_items; ++i) {
    REQUIRE(got[i] == i);
  }
  CHECK(error == "stream ended badly");
}

TEST_CASE("bounded queue pop waits for an item or times out", "[core][bounded_queue]") {
  Queue q(1);
  std::string out;
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(q.pop(&out, 20ms));
  CHECK(std::chrono::steady_clock::now() - started >= 15ms);
  std::thread producer([&] {
    std::this_thread::sleep_for(10ms);
    std::string a = "late";
    q.push(a, 1s);
  });
  CHECK(q.pop(&out, 5s));
  CHECK(out == "late");
  producer.join();
}

} // namespace
} // namespace sluice::core
