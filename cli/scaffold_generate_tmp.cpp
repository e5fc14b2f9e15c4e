// TEMPORARY: replaced by cli/capture_generate.cpp.
#include "command.hpp"
namespace sluice::cli {
void add_capture_generate(CLI::App&, Commands&) {}
}
