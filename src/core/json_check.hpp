// Checking that a line is one JSON object (DESIGN §5 validation).
//
// `object` level (operators and sinks): UTF-8, one object, balanced, nothing
// after it. `full` level (captures, and --strict): also the grammar of every key
// and value (escapes, numbers, literals), which simdjson On-Demand skips unless
// asked. Works on a padded view into the caller's buffer. JsonChecker owns its
// parsers; not thread-safe; never throws (except bad_alloc).
#pragma once

#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::core {

enum class CheckLevel { object, full };

struct LineShape {
  bool is_control = false; // the object's single key is "$sluice"
};

// Checks a document just returned by parser.iterate(line); leaves it consumed (rewind
// it to read fields). `line` is the text it was iterated from: it bounds the nesting
// depth and tells trailing content from a cut-off object.
bool check_document(simdjson::ondemand::document& doc, std::string_view line, CheckLevel level,
                    LineShape* shape, std::string* why);

// Checks whole lines. At `full` level a DOM parse validates everything in one call
// of simdjson's runtime-dispatched kernel (faster than walking every value with
// On-Demand); only when it fails, which is rare, does the On-Demand walk run: to
// accept numbers the DOM cannot hold (beyond 64 bits, 1e999) and to name the reason.
class JsonChecker {
 public:
  // True when `line` is one JSON object at `level` nested at most 1023 deep;
  // otherwise false with a short reason ("invalid UTF-8", "trailing content after
  // the object", …).
  bool check(simdjson::padded_string_view line, CheckLevel level, LineShape* shape,
             std::string* why);

 private:
  bool check_full(simdjson::padded_string_view line, LineShape* shape, std::string* why);
  bool check_walk(simdjson::padded_string_view line, CheckLevel level, LineShape* shape,
                  std::string* why);

  simdjson::dom::parser m_dom;
  simdjson::ondemand::parser m_ondemand;
};

// True when `line` nests deeper than the checks accept (1023 levels, counting the
// line's object as 1).
bool too_deep(std::string_view line);

// The reason for a simdjson error met while checking `line` as one object: names
// a cut-off object and trailing content, which simdjson reports as other errors.
std::string describe_object_error(simdjson::error_code code, std::string_view line);

// True when `token` is a JSON number (RFC 8259 grammar, any size).
bool is_json_number(std::string_view token);

// A reason for a simdjson error code, in sluice's words.
std::string describe_json_error(simdjson::error_code code);

} // namespace sluice::core
