// Control records (DESIGN §3): the lines `{"$sluice":{…}}` that carry start,
// checkpoint barriers, watermarks, schemas, end and abort between stages.
//
// make_* write a record with JsonWriter; parse_control reads one. Positions
// (`pos`) are opaque JSON values owned by the capture that made them and are
// kept as their JSON text. Pure functions and plain values; thread-safe except
// that parse_control uses the caller's parser. Never throws except bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::core::control {

// A barrier is identified by its run and its number within the run.
struct BarrierId {
  std::string run;
  uint64_t checkpoint = 0;
  bool operator==(const BarrierId&) const = default;
};

struct Start {
  std::string source;
  std::string run;
  std::optional<BarrierId> resume; // null on a fresh start
  std::string pos = "null";        // JSON text of the resume position
};

struct Checkpoint {
  uint64_t checkpoint = 0;
  std::string source;
  std::string run;
  std::string pos = "null"; // JSON text
  BarrierId id() const { return {run, checkpoint}; }
};

struct Watermark {
  int64_t ts_ms = 0;
};

struct Schema {
  std::string json; // the schema object's JSON text
};

struct End {
  uint64_t checkpoint = 0;
};

struct Abort {
  int exit = 0;
  std::string stage;
  std::string reason;
};

// A control record of a kind this version does not know: forwarded as is.
struct Unknown {};

using Record = std::variant<Start, Checkpoint, Watermark, Schema, End, Abort, Unknown>;

// Cheap test for lines that may be control records: after optional whitespace
// they start with `{"$sluice"`. Lines that fail it are events.
bool may_be_control(std::string_view line);

enum class Parsed {
  control,   // *out holds the record
  event,     // "$sluice" is not the object's only key: an ordinary event
  malformed, // *why says what is wrong
};

// Parses a line that passed may_be_control().
Parsed parse_control(simdjson::ondemand::parser& parser, simdjson::padded_string_view line,
                     Record* out, std::string* why);

std::string make_start(const Start& s);
std::string make_checkpoint(const Checkpoint& c);
std::string make_watermark(const Watermark& w);
// `s.json` must be one valid JSON object (the schema: source, table, columns).
std::string make_schema(const Schema& s);
std::string make_end(const End& e);
std::string make_abort(const Abort& a);

// A fresh random run id: 16 lowercase hex digits from the kernel's random source.
std::string new_run_id();

} // namespace sluice::core::control
