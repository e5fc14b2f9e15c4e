// Path-aware splitting of list flags (DESIGN §2): a list flag is repeatable and
// comma-separated, and a comma inside brackets or a quoted key (`b["x,y"]`) does
// not split. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

// Splits one flag value; empty items are errors ("a,,b"). False with a reason on
// unbalanced brackets or quotes.
bool split_list(std::string_view text, std::vector<std::string>* out, std::string* why);

// Splits every occurrence of a repeatable flag, in order.
bool split_lists(const std::vector<std::string>& values, std::vector<std::string>* out,
                 std::string* why);

} // namespace sluice::core
