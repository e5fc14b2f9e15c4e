// The decisions table sinks share (DESIGN §4.8), made the same way by
// `sink sqlite` and `sink postgres`: what a delete does (--delete-mode
// delete, soft or ignore), the ordering value of --if-newer PATH read from an
// event, and whether a change may be applied over what is already known for
// its key (the stored row's order, or a delete's tombstone).
//
// Ordering values: JSON numbers as they are, RFC 3339 strings as epoch
// milliseconds, PostgreSQL LSN strings ("0/16B3748") as their 64-bit value;
// compared numerically. A change applies when it is not older than what is
// known (ties apply, so a replay of the same change is harmless).
// Pure functions, thread-safe; never throw except bad_alloc.
#pragma once

#include "core/json_path.hpp"

#include <cstdint>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::connectors {

enum class DeleteMode {
  remove, // delete the row (the default: "delete")
  soft,   // keep it, with _sluice_deleted set to true
  ignore, // leave the row as it is
};

// "delete", "soft" or "ignore"; false with a reason otherwise.
bool parse_delete_mode(std::string_view text, DeleteMode* out, std::string* why);

// The bookkeeping sinks add to a table or database for these rules.
inline constexpr const char* k_order_column = "_sluice_order";     // --if-newer: the row's order
inline constexpr const char* k_deleted_column = "_sluice_deleted"; // --delete-mode soft
inline constexpr const char* k_tombstone_table = "_sluice_tombstones";

struct OrderValue {
  std::string text;   // exact decimal text, for SQL
  long double number = 0; // for comparisons here
};

// Reads an ordering value; false with a reason for any other JSON value.
bool read_order_value(simdjson::ondemand::value value, OrderValue* out, std::string* why);
// Reads the value at `path` (--if-newer); false with a reason when it is missing
// or not an ordering value.
bool read_order(simdjson::ondemand::document& doc, const core::JsonPath& path, OrderValue* out,
                std::string* why);
// <0, 0, >0.
int compare_order(const OrderValue& a, const OrderValue& b);

enum class ChangeKind { upsert, remove };

enum class Decision {
  apply,        // write it
  skip_older,   // --if-newer: older than what is known for the key
  skip_deletes, // --delete-mode ignore
};

// What to do with a change of `kind` and order `incoming` (null without
// --if-newer) for a key whose newest known change had order `known` (null:
// none known, or no --if-newer).
Decision decide(ChangeKind kind, DeleteMode mode, const OrderValue* incoming,
                const OrderValue* known);

// What a table sink did, per commit and in total.
struct SinkCounts {
  uint64_t upserted = 0;
  uint64_t appended = 0;
  uint64_t deleted = 0;
  uint64_t truncates = 0;
  uint64_t landed = 0;     // --raw
  uint64_t duplicates = 0; // --raw: ids already stored
  uint64_t older = 0;      // --if-newer: skipped as older than the row or its tombstone
  uint64_t ignored = 0;    // --delete-mode ignore
  void add(const SinkCounts& other);
  // The summary line's figures, naming only what the options make possible.
  std::string summary(bool raw, bool if_newer, DeleteMode delete_mode) const;
};

} // namespace sluice::connectors
