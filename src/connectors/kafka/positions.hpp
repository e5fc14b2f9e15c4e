// Positions of a Kafka capture (DESIGN §4): for each partition, the next
// offset to read, as the JSON object {"TOPIC/PARTITION": OFFSET, …} (topic
// names cannot hold a slash). A barrier's position lists the partitions the
// capture owns and knows an offset for.
// Plain values and pure functions; thread-safe; never throw (bad_alloc aside).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// "orders/3"
std::string describe(const TopicPartition& tp);

using Offsets = std::map<TopicPartition, int64_t>;

std::string format_offsets(const Offsets& offsets);

// Parses a position ("null" is empty); false with a reason when it is not one.
bool parse_offsets(std::string_view json, Offsets* out, std::string* why);

// Orders two positions: <0 when every partition of `a` is at or behind `b`'s
// (a partition missing counts as behind) and one is behind, >0 the other way,
// 0 when equal. Positions that are ahead on some partitions and behind on
// others are ordered by the sum of their offsets.
int compare_offsets(const Offsets& a, const Offsets& b);

// The position several sinks have all recorded, merged per partition: for
// each partition every position has, the smallest offset. A partition missing
// from any of them is left out (no offset is known to be recorded by all; the
// group's committed offset or -o decides where it starts). None: empty.
Offsets merge_recorded(const std::vector<Offsets>& positions);

} // namespace sluice::connectors::kafka
