// FileStore: the CheckpointStore kept in one JSON file (DESIGN §4.3).
//
// Writers take an flock on "<path>.lock" only around read-modify-write; the new
// content goes to a temp file that is fsynced, renamed over the store and made
// durable by fsyncing the directory. Readers never lock: rename is atomic, so
// they see the old or the new file. Safe across processes; one object is not
// thread-safe. Throws Error(data) for a corrupt file, Error(io) otherwise.
// The run lock is an flock on "<path>.run.lock" (not "<path>.lock": a stage
// holding that shared would block its own writes).
#pragma once

#include "core/checkpoint_store.hpp"

namespace sluice::core {

class FileStore : public CheckpointStore {
 public:
  explicit FileStore(std::string path);

  std::string describe() const override { return m_path; }
  std::vector<StoreEntry> entries(std::string_view source) override;
  StoreEntry register_sink(const std::string& source, const std::string& sink,
                           const std::string& state) override;
  void record(const StoreEntry& entry) override;
  std::vector<StoreEntry> all_entries() override;
  bool remove(const std::string& source, const std::string& sink) override;
  bool lock_running(RunLock mode) override;

 private:
  void write_all_entries(const std::vector<StoreEntry>& entries);

  std::string m_path;
  std::optional<FlockFile> m_run_lock;
};

} // namespace sluice::core
