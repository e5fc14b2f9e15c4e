// Checking that a line is one JSON object (DESIGN §5 validation).
//
// `object` level (operators and sinks): UTF-8, one object, balanced, nothing
// after it. `full` level (captures, and --strict): also the grammar of every key
// and value (escapes, numbers, literals), which simdjson On-Demand skips unless
// asked. Works on a padded view into the caller's buffer; uses the caller's
// parser. Not thread-safe (the parser is not); never throws.
#pragma once

#include <simdjson.h>
#include <string>

namespace sluice::core {

enum class CheckLevel { object, full };

struct LineShape {
  bool is_control = false; // the object's single key is "$sluice"
};

// Checks a document just returned by parser.iterate(); leaves it consumed (rewind
// it to read fields).
bool check_document(simdjson::ondemand::document& doc, CheckLevel level, LineShape* shape,
                    std::string* why);

// True when `line` is one JSON object at `level`; otherwise false with a short
// reason ("invalid UTF-8", "trailing content after the object", …).
bool check_json_line(simdjson::ondemand::parser& parser, simdjson::padded_string_view line,
                     CheckLevel level, LineShape* shape, std::string* why);

// True when `token` is a JSON number (RFC 8259 grammar, any size).
bool is_json_number(std::string_view token);

// A reason for a simdjson error code, in sluice's words.
std::string describe_json_error(simdjson::error_code code);

} // namespace sluice::core
