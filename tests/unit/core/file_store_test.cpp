#include "core/file_store.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <atomic>
#include <memory>
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <thread>

namespace sluice::core {
namespace {

using control::BarrierId;
using test::TempDir;

StoreEntry recorded(std::string source, std::string sink, std::string run, uint64_t checkpoint,
                    std::string pos, std::string state = "null") {
  StoreEntry e;
  e.source = std::move(source);
  e.sink = std::move(sink);
  e.barrier = BarrierId{std::move(run), checkpoint};
  e.pos = std::move(pos);
  e.state = std::move(state);
  e.updated_ms = wall_clock_ms();
  return e;
}

ExitCode error_code_of(FileStore& store) {
  try {
    store.entries("src");
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

TEST_CASE("file store that does not exist has no entries", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  CHECK(store.describe() == dir.file("app.ckpt"));
  CHECK(store.entries("src").empty());
  CHECK(store.all_entries().empty());
  CHECK(dir.names().empty());
}

TEST_CASE("file store registers a sink once and keeps the first entry", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("state/app.ckpt")); // the directory is made on first use
  StoreEntry first = store.register_sink("src", "sink-a", "{\"size\":0}");
  CHECK(first.source == "src");
  CHECK(first.sink == "sink-a");
  CHECK_FALSE(first.barrier);
  CHECK(first.pos == "null");
  CHECK(first.state == "{\"size\":0}");
  StoreEntry again = store.register_sink("src", "sink-a", "{\"size\":99}");
  CHECK(again.state == "{\"size\":0}");
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].state == "{\"size\":0}");
  CHECK_FALSE(entries[0].barrier);
}

TEST_CASE("file store register after a record returns the recorded entry", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.record(recorded("src", "sink-a", "r1", 3, "\"0/16B3748\"", "{\"size\":120}"));
  StoreEntry e = store.register_sink("src", "sink-a", "{\"size\":0}");
  REQUIRE(e.barrier);
  CHECK(*e.barrier == BarrierId{"r1", 3});
  CHECK(e.pos == "\"0/16B3748\"");
  CHECK(e.state == "{\"size\":120}");
}

TEST_CASE("file store record replaces the entry of its sink", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.register_sink("src", "sink-a", "null");
  store.register_sink("src", "sink-b", "null");
  store.record(recorded("src", "sink-a", "r1", 1, "{\"lsn\":\"0/1\",\"n\":[1,2]}"));
  store.record(recorded("src", "sink-a", "r1", 2, "{\"lsn\":\"0/2\"}", "{\"size\":7}"));
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].sink == "sink-a");
  REQUIRE(entries[0].barrier);
  CHECK(*entries[0].barrier == BarrierId{"r1", 2});
  CHECK(entries[0].pos == "{\"lsn\":\"0/2\"}");
  CHECK(entries[0].state == "{\"size\":7}");
  CHECK(entries[0].updated_ms > 0);
  CHECK(entries[1].sink == "sink-b");
  CHECK_FALSE(entries[1].barrier);
}

TEST_CASE("file store entries are filtered by source", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.register_sink("src-1", "sink", "null");
  store.register_sink("src-2", "sink", "null");
  store.record(recorded("src-2", "other", "r", 1, "1"));
  CHECK(store.entries("src-1").size() == 1);
  CHECK(store.entries("src-2").size() == 2);
  CHECK(store.entries("src-3").empty());
  CHECK(store.all_entries().size() == 3);
}

TEST_CASE("file store keeps odd names and positions intact", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  std::string source = "file:/data/\"quoted\" \xC3\xA9\\name";
  store.record(recorded(source, "sink\n2", "r", 18446744073709551615ull,
                        "{\"o\":[1,-2.5,\"0/16B3748\",null,true]}"));
  auto entries = store.entries(source);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].sink == "sink\n2");
  CHECK(entries[0].barrier->checkpoint == 18446744073709551615ull);
  CHECK(entries[0].pos == "{\"o\":[1,-2.5,\"0/16B3748\",null,true]}");
}

TEST_CASE("file store refuses a position it could not read back", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.record(recorded("src", "sink", "r", 1, "100"));
  for (std::string pos : {"123456789012345678901234567890", "", "{", "1e999"}) {
    CAPTURE(pos);
    try {
      store.record(recorded("src", "sink", "r", 2, pos));
      FAIL("record did not throw");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::data);
    }
    CHECK_THROWS_AS(store.record(recorded("src", "sink", "r", 2, "1", pos)), Error);
    // The store still holds the last good entry and reads back.
    auto entries = store.entries("src");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].barrier->checkpoint == 1);
    CHECK(entries[0].pos == "100");
  }
  CHECK(dir.names() == std::vector<std::string>{"app.ckpt", "app.ckpt.lock"});
}

TEST_CASE("file store with two registered sinks resumes from the lower one", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  auto by_number = [](std::string_view a, std::string_view b) {
    return std::stoll(std::string(a)) < std::stoll(std::string(b))   ? -1
           : std::stoll(std::string(a)) > std::stoll(std::string(b)) ? 1
                                                                     : 0;
  };
  store.register_sink("src", "sink-a", "null");
  store.register_sink("src", "sink-b", "null");
  ResumePoint p = lowest_position(store.entries("src"), by_number);
  CHECK(p.sinks == 2);
  CHECK(p.unrecorded);
  CHECK_FALSE(p.barrier);
  store.record(recorded("src", "sink-a", "r1", 5, "500"));
  p = lowest_position(store.entries("src"), by_number);
  CHECK(p.unrecorded); // sink-b has recorded nothing: start from the beginning
  store.record(recorded("src", "sink-b", "r1", 3, "300"));
  p = lowest_position(store.entries("src"), by_number);
  CHECK_FALSE(p.unrecorded);
  REQUIRE(p.barrier);
  CHECK(*p.barrier == BarrierId{"r1", 3});
  CHECK(p.pos == "300");
  CHECK_FALSE(all_sinks_reached(store.entries("src"), BarrierId{"r1", 5}));
  store.record(recorded("src", "sink-b", "r1", 5, "500"));
  CHECK(all_sinks_reached(store.entries("src"), BarrierId{"r1", 5}));
}

TEST_CASE("file store reports a corrupt file as bad data", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  for (std::string text :
       {"garbage", "", "{\"version\":1}", "{\"entries\":5}", "{\"entries\":[1]}",
        "{\"entries\":[{\"sink\":\"x\"}]}", "{\"entries\":[{\"source\":\"s\",\"sink\":7}]}",
        "{\"entries\":[{\"source\":\"s\",\"sink\":\"k\"}", "[]", "\xff\xfe"}) {
    CAPTURE(text);
    test::write_whole_file(dir.file("app.ckpt"), text);
    CHECK(error_code_of(store) == ExitCode::data);
    try {
      store.entries("src");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).rfind("corrupt checkpoint store " + dir.file("app.ckpt"), 0) ==
            0);
    }
    CHECK_THROWS_AS(store.record(recorded("src", "k", "r", 1, "1")), Error);
    CHECK_THROWS_AS(store.register_sink("src", "k", "null"), Error);
  }
}

TEST_CASE("file store that cannot be read is an I/O error", "[core][file_store]") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("a-directory"));
  FileStore store(dir.file("a-directory"));
  CHECK(error_code_of(store) == ExitCode::io);
}

TEST_CASE("file store leaves no temp files behind", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.register_sink("src", "a", "null");
  for (uint64_t i = 1; i <= 10; ++i) {
    store.record(recorded("src", "a", "r", i, std::to_string(i)));
  }
  CHECK(dir.names() == std::vector<std::string>{"app.ckpt", "app.ckpt.lock"});
  // A failed write removes its temp file too.
  test::write_whole_file(dir.file("app.ckpt"), "garbage");
  CHECK_THROWS_AS(store.record(recorded("src", "a", "r", 11, "11")), Error);
  CHECK(dir.names() == std::vector<std::string>{"app.ckpt", "app.ckpt.lock"});
}

// One writer records a sink 500 times while readers, which never lock, read in a loop:
// every read parses and shows one consistent entry, never going backwards.
TEST_CASE("file store readers see whole entries while a writer records", "[core][file_store]") {
  TempDir dir;
  const std::string path = dir.file("app.ckpt");
  FileStore(path).register_sink("src", "sink-a", "{\"n\":0}");
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  auto reader = [&] {
    FileStore store(path);
    uint64_t last = 0;
    while (!done.load()) {
      std::vector<StoreEntry> entries;
      try {
        entries = store.entries("src");
      } catch (const Error&) {
        ++bad;
        continue;
      }
      ++reads;
      if (entries.size() != 1) {
        ++bad;
        continue;
      }
      const auto& e = entries[0];
      uint64_t n = e.barrier ? e.barrier->checkpoint : 0;
      std::string expected = "{\"n\":" + std::to_string(n) + "}";
      if (e.pos != (e.barrier ? expected : "null") || e.state != expected || n < last) {
        ++bad;
      }
      last = n;
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  {
    FileStore writer(path);
    for (uint64_t i = 1; i <= 500; ++i) {
      std::string n = "{\"n\":" + std::to_string(i) + "}";
      writer.record(recorded("src", "sink-a", "run", i, n, n));
    }
  }
  done = true;
  r1.join();
  r2.join();
  CHECK(bad.load() == 0);
  CHECK(reads.load() > 0);
  auto entries = FileStore(path).entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].barrier->checkpoint == 500);
  CHECK(dir.names() == std::vector<std::string>{"app.ckpt", "app.ckpt.lock"});
}

// Two sinks in two processes record at the same time: the lock keeps both.
TEST_CASE("file store keeps every record of two sinks writing from two processes",
          "[core][file_store]") {
  TempDir dir;
  const std::string path = dir.file("app.ckpt");
  FileStore(path).register_sink("src", "sink-a", "null");
  FileStore(path).register_sink("src", "sink-b", "null");
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int status = 0;
    try {
      FileStore store(path);
      for (uint64_t i = 1; i <= 100; ++i) {
        store.record(recorded("src", "sink-b", "run", i, std::to_string(i)));
      }
    } catch (...) {
      status = 1;
    }
    _exit(status);
  }
  FileStore store(path);
  uint64_t seen_b = 0;
  bool backwards = false;
  for (uint64_t i = 1; i <= 100; ++i) {
    store.record(recorded("src", "sink-a", "run", i, std::to_string(i)));
    for (const auto& e : store.entries("src")) {
      if (e.sink == "sink-b" && e.barrier) {
        backwards = backwards || e.barrier->checkpoint < seen_b;
        seen_b = e.barrier->checkpoint;
      }
    }
  }
  int status = -1;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(backwards);
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 2);
  for (const auto& e : entries) {
    CAPTURE(e.sink);
    REQUIRE(e.barrier);
    CHECK(e.barrier->checkpoint == 100);
  }
  CHECK(dir.names() == std::vector<std::string>{"app.ckpt", "app.ckpt.lock"});
}

TEST_CASE("file store lists the entries of every source by source and sink", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.register_sink("src-b", "sink-1", "null");
  store.register_sink("src-a", "sink-2", "null");
  store.register_sink("src-a", "sink-1", "null");
  auto all = store.all_entries();
  REQUIRE(all.size() == 3);
  CHECK(all[0].source + " " + all[0].sink == "src-a sink-1");
  CHECK(all[1].source + " " + all[1].sink == "src-a sink-2");
  CHECK(all[2].source + " " + all[2].sink == "src-b sink-1");
}

TEST_CASE("file store removes one entry and keeps the others", "[core][file_store]") {
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  CHECK_FALSE(store.remove("src", "sink-a")); // no file yet: nothing to remove
  store.record(recorded("src", "sink-a", "run", 3, "3"));
  store.record(recorded("src", "sink-b", "run", 4, "4"));
  CHECK(store.remove("src", "sink-a"));
  CHECK_FALSE(store.remove("src", "sink-a"));
  auto left = FileStore(dir.file("app.ckpt")).entries("src");
  REQUIRE(left.size() == 1);
  CHECK(left[0].sink == "sink-b");
  CHECK(left[0].barrier->checkpoint == 4);
}

TEST_CASE("file store run lock refuses the tool while a stage runs", "[core][file_store]") {
  TempDir dir;
  auto stage = std::make_unique<FileStore>(dir.file("app.ckpt"));
  CHECK(stage->lock_running(RunLock::shared));
  FileStore tool(dir.file("app.ckpt"));
  CHECK_FALSE(tool.lock_running(RunLock::exclusive));
  // The lock does not stand in the way of the stage's own writes.
  stage->register_sink("src", "sink", "null");
  stage.reset();
  CHECK(tool.lock_running(RunLock::exclusive));
  CHECK(std::filesystem::exists(dir.file("app.ckpt.run.lock")));
}

} // namespace
} // namespace sluice::core
