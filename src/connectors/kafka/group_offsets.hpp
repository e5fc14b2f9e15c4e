// GroupOffsets: what `sluice checkpoint` asks a Kafka cluster about a capture's
// position: the high watermark of each partition (for the consumer lag) and,
// for `set`, the consumer group's committed offsets, written with a
// synchronous offset commit like the capture's own. The commit is first sent
// from outside the group (Kafka accepts that while the group is empty); when
// the coordinator refuses it (the librdkafka mock cluster does, for a group
// that ever had members) it joins the group, waits for an assignment, commits
// as a member and leaves. It refuses a group the coordinator lists members for.
//
// Each call creates its own short-lived client from `properties` (which must
// hold bootstrap.servers). Not thread-safe; throws Error: unavailable (69) when
// the brokers do not answer within the timeout, io (74) for a group with
// active members or a commit the coordinator refuses.
#pragma once

#include "connectors/kafka/positions.hpp"
#include "connectors/kafka/properties.hpp"

#include <chrono>
#include <string>

namespace sluice::connectors::kafka {

// The high watermark (the offset the next message will get) of every
// partition named in `partitions` (their offsets are ignored).
Offsets high_watermarks(const Properties& properties, const Offsets& partitions,
                        std::chrono::milliseconds timeout);

// Commits `offsets` (the next offset to read, per partition) for `group`.
void commit_group_offsets(const Properties& properties, const std::string& group,
                          const Offsets& offsets, std::chrono::milliseconds timeout);

} // namespace sluice::connectors::kafka
