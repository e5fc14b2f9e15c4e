// StateJournal: the saved versions of a stateful operator's state in its
// --state directory (DESIGN §4.5), one version per checkpoint barrier.
//
// The directory holds segment files `segment-<seq>.sjl`; each starts with a
// snapshot record (the whole state at a barrier) followed by delta records
// (what changed up to each later barrier), in the format of
// core/state_record.hpp. A version is restored from its segment's snapshot
// plus the deltas up to it. Appends are fsynced before they return; a
// snapshot is written to a temp file and renamed into place. `lock` is held
// (flock) while the object lives: a second process gets Error(temporary),
// exit 75. `base` keeps the side files' sizes at a fresh start.
// Not thread-safe. Throws Error: data for a missing or corrupt version, io
// otherwise.
#pragma once

#include "core/control.hpp"
#include "core/fd.hpp"
#include "core/state_record.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <xxhash.h>

namespace sluice::core {

// Where a state streams its snapshot.
class StateWriter {
 public:
  virtual ~StateWriter() = default;
  virtual void write(std::string_view bytes) = 0;
};

class StateJournal {
 public:
  struct Version {
    RecordHeader header; // barrier, seq, kind, side sizes
    uint64_t segment = 0; // first seq of its segment
    uint64_t end = 0;     // offset just after the record in the segment file
  };
  // Receives one record's payload while a version loads, oldest first.
  using Apply = std::function<void(std::string_view payload, bool snapshot)>;

  class SnapshotWriter : public StateWriter {
   public:
    ~SnapshotWriter() override;
    SnapshotWriter(SnapshotWriter&&) = delete;
    void write(std::string_view bytes) override;
    // Makes the snapshot durable and the journal's newest version.
    void commit();

   private:
    friend class StateJournal;
    SnapshotWriter(StateJournal& journal, RecordHeader header);
    void flush();

    StateJournal& m_journal;
    RecordHeader m_header;
    std::string m_header_bytes;
    std::string m_tmp;
    std::string m_target;
    Fd m_fd;
    std::string m_buffer;
    std::unique_ptr<XXH64_state_t, XXH_errorcode (*)(XXH64_state_t*)> m_hash;
    uint64_t m_size = 0;
    bool m_committed = false;
  };

  // Creates `dir` when missing, locks it and reads the versions it holds.
  explicit StateJournal(std::string dir);
  ~StateJournal();
  StateJournal(const StateJournal&) = delete;
  StateJournal& operator=(const StateJournal&) = delete;

  const std::string& dir() const { return m_dir; }
  // Every version, oldest first.
  const std::vector<Version>& versions() const { return m_versions; }
  const Version* find(const control::BarrierId& barrier) const;

  // Feeds the records of `barrier`'s version to `apply`, checking every
  // checksum; returns its side sizes. Throws Error(data) when the version is not
  // in the journal or a record on the way is corrupt. Changes nothing on disk.
  std::vector<SideSize> load(const control::BarrierId& barrier, const Apply& apply) const;
  // Removes every version newer than `barrier` (all of them for nullptr).
  void discard_after(const control::BarrierId* barrier);

  // Appends the delta of `barrier` to the newest segment (which must exist).
  void append_delta(const control::BarrierId& barrier, std::string_view payload,
                    const std::vector<SideSize>& sides);
  // Starts a new segment with a snapshot of `barrier`'s version.
  std::unique_ptr<SnapshotWriter> begin_snapshot(const control::BarrierId& barrier,
                                                 const std::vector<SideSize>& sides);
  bool has_segment() const { return !m_segments.empty(); }
  // Bytes in the newest segment: its snapshot and the deltas after it.
  uint64_t segment_bytes() const;
  // Bytes in every segment.
  uint64_t total_bytes() const;

  // Deletes the segments older than the one holding the oldest version named in
  // `needed`. False, deleting nothing, when a barrier of `needed` is not here.
  bool prune(const std::vector<control::BarrierId>& needed);

  // The side files' sizes recorded at a fresh start, if any.
  std::optional<std::vector<SideSize>> base() const;
  void write_base(const std::vector<SideSize>& sides);

 private:
  struct Segment {
    uint64_t first_seq = 0;
    std::string path;
    uint64_t end = 0; // bytes of whole records
  };

  void scan();
  void scan_segment(Segment& segment);
  std::string segment_path(uint64_t first_seq) const;
  void add_committed_snapshot(const RecordHeader& header, const std::string& path, uint64_t size);
  uint64_t next_seq() const;

  std::string m_dir;
  Fd m_lock;
  std::vector<Segment> m_segments; // oldest first
  std::vector<Version> m_versions;
  Fd m_append; // the newest segment, open for appending
};

} // namespace sluice::core
