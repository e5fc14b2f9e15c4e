// TEMPORARY: replaced by cli/sink_sqlite.cpp.
#include "command.hpp"
namespace sluice::cli {
void add_sink_sqlite(CLI::App&, Commands&) {}
}
