// Opens the CheckpointStore named by a --checkpoint value: `sqlite:DB` (the
// table _sluice_checkpoints in that database), `postgresql://…` (the same
// table in that PostgreSQL database), or a file path. Throws
// Error(usage) for a spec this build cannot open.
#pragma once

#include "core/checkpoint_store.hpp"

#include <memory>
#include <string>

namespace sluice::connectors {

std::unique_ptr<core::CheckpointStore> open_store(const std::string& spec);

} // namespace sluice::connectors
