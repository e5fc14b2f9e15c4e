// The command tree as the completion scripts need it, read from the CLI11
// definitions (so completions never lag behind the flags), and the three
// script writers (bash, zsh, fish) that print it.
#pragma once

#include <string>
#include <vector>

namespace sluice::cli {

struct CompletionOption {
  std::vector<std::string> spellings; // "-q", "--quiet"
  std::string description;
  bool takes_value = false;
  std::vector<std::string> choices; // empty: any value (a path)
};

struct CompletionNode {
  std::string path;        // "capture file"; "" for sluice itself
  std::string description; // one line
  std::vector<std::string> subcommands;
  std::vector<CompletionOption> options;
  bool takes_files = false; // has positional arguments
};

std::string bash_script(const std::vector<CompletionNode>& nodes);
std::string zsh_script(const std::vector<CompletionNode>& nodes);
std::string fish_script(const std::vector<CompletionNode>& nodes);

} // namespace sluice::cli
