// Splices: how transform edits an event without re-serialising it. An edit is
// a list of byte ranges of the current text to replace (or delete, or insert
// at); everything between them is copied as it came, so key order, number
// spelling, escapes and spaces of untouched fields stay exactly as written.
//
// Also the range arithmetic for removing a field or an element with its comma.
// Plain values and pure functions; thread-safe; never throw except bad_alloc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::ops::transform {

struct Splice {
  size_t begin = 0; // offsets into the text
  size_t end = 0;
  std::string text; // written instead of [begin, end)
};

// Writes `text` with `splices` applied. Splices are sorted by begin; one that
// lies inside an earlier one is ignored (an edit of a value the earlier splice
// replaces as a whole).
void apply_splices(std::string_view text, std::vector<Splice> &splices, std::string *out);

// A field or element to remove: its value ends at `value_end`; it starts at its
// key (or, for an element, its value) at `start`.
struct Removal {
  size_t start = 0;
  size_t value_end = 0;
};

// Turns removals into splices that also take out the right commas: a member
// that follows another takes the comma before it; a run of removed members at
// the start of a container takes the comma after the run.
void removal_splices(std::string_view text, std::vector<Removal> &removals,
                     std::vector<Splice> *out);

// Offset of the closing '}' of the object whose text ends at `object_end`
// (exclusive), and whether the object has members.
size_t object_close(std::string_view text, size_t object_begin, size_t object_end,
                    bool *has_members);

} // namespace sluice::ops::transform
