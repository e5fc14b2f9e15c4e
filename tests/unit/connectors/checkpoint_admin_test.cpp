#include "connectors/checkpoint_admin.hpp"

#include "connectors/source_lag.hpp"
#include "core/error.hpp"
#include "core/file_store.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

namespace sluice::connectors {
namespace {

// A temp directory removed at the end.
class Dir {
 public:
  Dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-admin-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    m_path = tmpl;
  }
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

core::StoreEntry recorded(std::string source, std::string sink, uint64_t checkpoint,
                          std::string pos) {
  core::StoreEntry e;
  e.source = std::move(source);
  e.sink = std::move(sink);
  e.barrier = core::control::BarrierId{"run1", checkpoint};
  e.pos = std::move(pos);
  e.state = "{\"size\":7}";
  e.updated_ms = 5;
  return e;
}

core::ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.code();
  }
  return core::ExitCode::ok;
}

TEST_CASE("checkpoint admin selects entries by source and sink", "[connectors][checkpoint_admin]") {
  Dir dir;
  core::FileStore store(dir.file("app.ckpt"));
  store.record(recorded("a", "x", 1, "1"));
  store.record(recorded("a", "y", 1, "1"));
  store.record(recorded("b", "x", 1, "1"));
  CHECK(select_entries(store, {}).size() == 3);
  CHECK(select_entries(store, {"a", ""}).size() == 2);
  CHECK(select_entries(store, {"", "x"}).size() == 2);
  CHECK(select_entries(store, {"b", "y"}).empty());
}

TEST_CASE("checkpoint admin set gives every sink of the source one fresh barrier",
          "[connectors][checkpoint_admin]") {
  Dir dir;
  core::FileStore store(dir.file("app.ckpt"));
  store.record(recorded("a", "x", 9, "{\"offset\":90}"));
  store.register_sink("a", "y", "{\"size\":0}");
  store.record(recorded("b", "x", 9, "{\"offset\":90}"));
  auto rows = set_position(store, {"a", ""}, "{ \"offset\" : 10 }", std::nullopt);
  REQUIRE(rows.size() == 2);
  auto a = store.entries("a");
  REQUIRE(a.size() == 2);
  REQUIRE(a[0].barrier);
  REQUIRE(a[1].barrier);
  CHECK(a[0].barrier->run != "run1");
  CHECK(*a[0].barrier == *a[1].barrier);
  CHECK(a[0].pos == "{\"offset\":10}");
  CHECK(a[0].state == "{\"size\":7}"); // the sink's state stays
  CHECK(a[1].state == "{\"size\":0}");
  CHECK(store.entries("b")[0].pos == "{\"offset\":90}");
}

TEST_CASE("checkpoint admin set refuses what it cannot store", "[connectors][checkpoint_admin]") {
  Dir dir;
  core::FileStore store(dir.file("app.ckpt"));
  store.record(recorded("a", "x", 1, "1"));
  using core::ExitCode;
  CHECK(code_of([&] { set_position(store, {"a", ""}, "{\"offset\":", std::nullopt); }) ==
        ExitCode::usage);
  CHECK(code_of([&] { set_position(store, {"a", "nope"}, "1", std::nullopt); }) == ExitCode::usage);
  CHECK(code_of([&] { set_position(store, {"", "x"}, "1", std::nullopt); }) == ExitCode::usage);
  KafkaGroupCommit group{kafka::Properties(kafka::Role::consumer), "g", {}};
  CHECK(code_of([&] { set_position(store, {"a", ""}, "\"0/16\"", group); }) == ExitCode::usage);
  CHECK(store.entries("a")[0].pos == "1");
}

TEST_CASE("checkpoint admin reset removes the selected entries", "[connectors][checkpoint_admin]") {
  Dir dir;
  core::FileStore store(dir.file("app.ckpt"));
  store.record(recorded("a", "x", 1, "1"));
  store.record(recorded("a", "stale", 1, "1"));
  store.record(recorded("b", "stale", 1, "1"));
  CHECK(reset_entries(store, {"", "stale"}).size() == 2);
  auto left = store.all_entries();
  REQUIRE(left.size() == 1);
  CHECK(left[0].sink == "x");
  CHECK(code_of([&] { reset_entries(store, {"b", ""}); }) == core::ExitCode::usage);
}

TEST_CASE("checkpoint admin refuses to change a store a pipeline runs with",
          "[connectors][checkpoint_admin]") {
  Dir dir;
  core::FileStore stage(dir.file("app.ckpt"));
  REQUIRE(stage.lock_running(core::RunLock::shared));
  core::Log log("checkpoint reset", true);
  core::FileStore tool(dir.file("app.ckpt"));
  CHECK(code_of([&] { lock_for_change(tool, false, log); }) == core::ExitCode::temporary);
  core::FileStore forced(dir.file("app.ckpt"));
  CHECK(code_of([&] { lock_for_change(forced, true, log); }) == core::ExitCode::ok);
}

TEST_CASE("checkpoint admin reads the LSN of a PostgreSQL position", "[connectors][source_lag]") {
  CHECK(position_lsn("\"0/16B3748\"") == 0x16B3748u);
  CHECK(position_lsn("{\"snapshot\":\"1/0\",\"table\":\"t\"}") == (uint64_t{1} << 32));
  CHECK_FALSE(position_lsn("null"));
  CHECK_FALSE(position_lsn("{\"orders/0\":4}"));
  CHECK_FALSE(position_lsn("\"not an lsn\""));
  CHECK_FALSE(position_lsn("{bad"));
}

} // namespace
} // namespace sluice::connectors
