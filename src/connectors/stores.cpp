#include "connectors/stores.hpp"

#include "connectors/postgres/pg_store.hpp"
#include "connectors/sqlite/sqlite_store.hpp"
#include "core/error.hpp"
#include "core/file_store.hpp"

namespace sluice::connectors {

namespace {

std::unique_ptr<core::CheckpointStore> make_store(const std::string& spec) {
  if (spec.rfind("sqlite:", 0) == 0) {
    if (spec.size() == 7) {
      throw core::Error(core::ExitCode::usage, "--checkpoint sqlite: needs a database path");
    }
    return std::make_unique<sqlite::SqliteStore>(spec.substr(7));
  }
  if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) {
    return std::make_unique<postgres::PgStore>(spec);
  }
  if (spec.empty()) {
    throw core::Error(core::ExitCode::usage, "--checkpoint needs a file path or sqlite:DB");
  }
  return std::make_unique<core::FileStore>(spec);
}

} // namespace

std::unique_ptr<core::CheckpointStore> open_store(const std::string& spec, StoreUse use) {
  auto store = make_store(spec);
  if (use == StoreUse::run) {
    store->lock_running(core::RunLock::shared);
  }
  return store;
}

} // namespace sluice::connectors
