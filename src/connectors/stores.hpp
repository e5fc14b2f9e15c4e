// Opens the CheckpointStore named by a --checkpoint value: `sqlite:DB` (the
// table _sluice_checkpoints in that database), `postgresql://…` (the same
// table in that PostgreSQL database), or a file path. Throws
// Error(usage) for a spec this build cannot open.
//
// A store opened for a running stage (StoreUse::run) holds the store's run
// lock shared until it is destroyed, so `sluice checkpoint set|reset` can tell
// that a pipeline runs with it; the checkpoint tool opens it with
// StoreUse::admin and takes the lock itself.
#pragma once

#include "core/checkpoint_store.hpp"

#include <memory>
#include <string>

namespace sluice::connectors {

enum class StoreUse { run, admin };

std::unique_ptr<core::CheckpointStore> open_store(const std::string& spec,
                                                  StoreUse use = StoreUse::run);

} // namespace sluice::connectors
