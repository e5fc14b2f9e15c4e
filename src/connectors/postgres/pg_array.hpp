// The text form of PostgreSQL arrays: "{1,2,NULL}", "{{1,2},{3,4}}",
// "{\"a b\",\"c\\\"d\"}", "[0:1]={1,2}" — read into a flat list of items
// (open, element, null, close), and written from JSON arrays for sinks.
// Pure functions, thread-safe; never throw except bad_alloc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::postgres {

struct ArrayItem {
  enum class Kind { open, close, element, null };
  Kind kind = Kind::element;
  std::string text; // element: unquoted and unescaped
};

// Splits an array's text; `delimiter` is the element type's (',' but ';' for
// box). False with a reason when the text is not an array literal.
bool split_pg_array(std::string_view text, char delimiter, std::vector<ArrayItem>* out,
                    std::string* why);

// Appends `value` as one quoted array element ("…" with \" and \\ escaped).
void append_array_element(std::string* out, std::string_view value);

} // namespace sluice::connectors::postgres
