// Text helpers of the expression functions on valid UTF-8: counting code
// points, Unicode simple case mapping (glibc's towlower/towupper in the
// C.UTF-8 locale, opened once, read-only afterwards) and ASCII trimming.
// Thread-safe; never throw except bad_alloc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::expr {

size_t count_code_points(std::string_view text);
// Appends `text` lower- or upper-cased, code point by code point.
void append_lower(std::string *out, std::string_view text);
void append_upper(std::string *out, std::string_view text);
// Without leading and trailing spaces, tabs, CRs and newlines.
std::string_view trim_spaces(std::string_view text);
// The byte offset where the last `n` code points of `text` start (0 when fewer).
size_t offset_of_last_code_points(std::string_view text, size_t n);

} // namespace sluice::expr
