// sluice completion bash|zsh|fish: prints a completion script generated from the
// CLI11 definitions so it never lags behind the flags (completions/ holds the
// output; a test fails when a file there is stale).
#include "command.hpp"
#include "common.hpp"
#include "completion_model.hpp"

#include <fmt/format.h>
#include <memory>

namespace sluice::cli {

namespace {

bool is_visible(CLI::App* a) { return !a->get_group().empty(); }

std::vector<std::string> choices(CLI::Option* opt) {
  CLI::Validator* v = nullptr;
  try {
    v = opt->get_validator(0);
  } catch (const CLI::OptionNotFound&) {
    return {};
  }
  std::string d = v == nullptr ? "" : v->get_description();
  if (d.size() < 2 || d.front() != '{' || d.back() != '}') {
    return {};
  }
  std::vector<std::string> out;
  std::string item;
  for (char c : d.substr(1, d.size() - 2)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else {
      item.push_back(c);
    }
  }
  out.push_back(item);
  return out;
}

CompletionOption option_of(CLI::Option* o) {
  CompletionOption out;
  for (const auto& s : o->get_snames()) {
    out.spellings.push_back("-" + s);
  }
  for (const auto& l : o->get_lnames()) {
    out.spellings.push_back("--" + l);
  }
  out.description = o->get_description();
  // CLI11 2.1 flags keep a type size of 1: only expected() tells them apart.
  out.takes_value = o->get_expected_max() > 0;
  if (out.takes_value) {
    out.choices = choices(o);
  }
  return out;
}

void collect(CLI::App* app, const std::string& path, std::vector<CompletionNode>* out) {
  CompletionNode node;
  node.path = path;
  node.description = app->get_description();
  for (CLI::App* sub : app->get_subcommands(is_visible)) {
    node.subcommands.push_back(sub->get_name());
  }
  for (CLI::Option* o : app->get_options()) {
    if (o->get_positional()) {
      node.takes_files = true;
    } else {
      node.options.push_back(option_of(o));
    }
  }
  out->push_back(std::move(node));
  for (CLI::App* sub : app->get_subcommands(is_visible)) {
    collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

} // namespace

void add_completion(CLI::App& root, Commands& commands) {
  auto shell = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand("completion", "print a shell completion script");
  app->group(""); // hidden
  app->add_option("shell", *shell, "shell to complete for")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  CLI::App* rootp = &root;
  commands.push_back({app, "completion",
                      [rootp, shell] {
                        std::vector<CompletionNode> nodes;
                        collect(rootp, "", &nodes);
                        std::string s = *shell == "zsh"    ? zsh_script(nodes)
                                        : *shell == "fish" ? fish_script(nodes)
                                                           : bash_script(nodes);
                        std::fwrite(s.data(), 1, s.size(), stdout);
                      },
                      nullptr});
}

} // namespace sluice::cli
