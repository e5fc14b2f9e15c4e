#include "core/state_persistence.hpp"

#include "core/error.hpp"
#include "core/units.hpp"

#include <algorithm>

namespace sluice::core {

StatePersistence::StatePersistence(StateJournal& journal, PersistentState& state,
                                   std::vector<SideFile*> sides, const PersistenceOptions& options,
                                   const Log& log)
    : m_journal(journal), m_state(state), m_sides(std::move(sides)), m_options(options),
      m_log(log) {}

void StatePersistence::on_start(const control::Start& start) {
  if (m_source) {
    throw Error(ExitCode::data,
                fmt::format("a second start record (source \"{}\" after \"{}\"): one state "
                            "directory follows one stream",
                            start.source, *m_source));
  }
  m_source = start.source;
  if (!start.resume) {
    bool had = !m_journal.versions().empty();
    start_empty(true);
    if (had) {
      m_log.info("the capture starts from the beginning: saved state in {} discarded",
                 m_journal.dir());
    }
    return;
  }
  restore(*start.resume);
}

void StatePersistence::restore(const control::BarrierId& barrier) {
  std::vector<SideSize> sizes;
  try {
    m_state.reset_state();
    sizes = m_journal.load(barrier, [&](std::string_view payload, bool snapshot) {
      std::string why;
      if (!m_state.load_state(payload, snapshot, &why)) {
        throw Error(ExitCode::data, fmt::format("corrupt state in {} for checkpoint {} of run {}: {}",
                                                m_journal.dir(), barrier.checkpoint, barrier.run,
                                                why));
      }
    });
  } catch (const Error& e) {
    if (e.code() != ExitCode::data) {
      throw;
    }
    if (!m_options.reset_state) {
      throw Error(ExitCode::data,
                  fmt::format("{}: the capture resumes after checkpoint {} of run {}, whose "
                              "state is needed (--reset-state starts with an empty state instead, "
                              "and replayed duplicates may then pass)",
                              e.what(), barrier.checkpoint, barrier.run));
    }
    m_log.warn("{}: starting with an empty state (--reset-state)", e.what());
    start_empty(false);
    return;
  }
  m_journal.discard_after(&barrier);
  cut_sides(sizes);
  m_log.info("restored the state of checkpoint {} of run {} from {}: {}", barrier.checkpoint,
             barrier.run, m_journal.dir(), m_state.describe_state());
}

void StatePersistence::start_empty(bool cut_to_base) {
  m_journal.discard_after(nullptr);
  m_state.reset_state();
  auto base = m_journal.base();
  if (cut_to_base && base) {
    cut_sides(*base);
    return;
  }
  m_journal.write_base(side_sizes());
}

void StatePersistence::cut_sides(const std::vector<SideSize>& sizes) {
  for (SideFile* side : m_sides) {
    auto it = std::find_if(sizes.begin(), sizes.end(),
                           [&](const SideSize& s) { return s.path == side->absolute_path(); });
    if (it != sizes.end() && !side->truncate_to(it->size)) {
      m_log.warn("{} is shorter than at the restored checkpoint ({} bytes): was it cut or "
                 "rotated? Left as it is",
                 side->path(), it->size);
    }
  }
}

std::vector<SideSize> StatePersistence::side_sizes() const {
  std::vector<SideSize> out;
  for (SideFile* side : m_sides) {
    out.push_back({side->absolute_path(), side->size()});
  }
  return out;
}

void StatePersistence::before_barrier(const control::Checkpoint& barrier) {
  if (!m_source) {
    throw Error(ExitCode::data, "a checkpoint barrier before any start record: saved state "
                                "needs a capture upstream");
  }
  for (SideFile* side : m_sides) {
    side->sync();
  }
  std::vector<SideSize> sides = side_sizes();
  auto limit = std::max<uint64_t>(
      m_options.compact_min_bytes,
      static_cast<uint64_t>(m_options.compact_factor * static_cast<double>(m_state.snapshot_size())));
  if (!m_journal.has_segment() || m_journal.segment_bytes() > limit) {
    write_snapshot(barrier.id(), sides);
    prune(barrier.id());
    return;
  }
  m_state.take_delta(&m_delta);
  m_journal.append_delta(barrier.id(), m_delta, sides);
}

void StatePersistence::on_finish() {
  for (SideFile* side : m_sides) {
    side->sync();
  }
}

void StatePersistence::write_snapshot(const control::BarrierId& barrier,
                                      const std::vector<SideSize>& sides) {
  auto writer = m_journal.begin_snapshot(barrier, sides);
  m_state.write_snapshot(*writer);
  writer->commit();
  ++m_snapshots;
}

// Keeps every version a restart may ask for: the capture resumes from the
// lowest barrier its sinks recorded, and each of those is in the journal or
// older than all of it.
void StatePersistence::prune(const control::BarrierId& newest) {
  std::vector<control::BarrierId> needed{newest};
  if (m_options.store != nullptr) {
    for (const auto& entry : m_options.store->entries(*m_source)) {
      if (entry.barrier) {
        needed.push_back(*entry.barrier);
      }
    }
  }
  if (!m_journal.prune(needed) && !m_warned_prune) {
    m_warned_prune = true;
    m_log.warn("{} names a checkpoint that {} does not hold: keeping every saved version",
               m_options.store->describe(), m_journal.dir());
  }
}

} // namespace sluice::core
