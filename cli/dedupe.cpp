// sluice dedupe: flags -> ops::Dedupe, with saved state (core::StatePersistence)
// and a duplicates file wired in as hooks of the operator stage.
#include "command.hpp"
#include "common.hpp"
#include "core/list_split.hpp"
#include "core/side_file.hpp"
#include "core/state_journal.hpp"
#include "core/state_persistence.hpp"
#include "ops/dedupe.hpp"

#include <memory>

namespace sluice::cli {

namespace {

struct Flags {
  CommonFlags common;
  std::vector<std::string> keys;
  std::string time = "ts";
  std::string within;
  uint64_t max_keys = 10'000'000;
  bool exact = false;
  std::string state;
  bool reset_state = false;
  std::string duplicates;
};

core::JsonPath path_flag(const std::string& flag, const std::string& text) {
  core::JsonPath p;
  std::string why;
  if (!core::JsonPath::parse(text, &p, &why)) {
    usage_error(flag + ": " + why);
  }
  if (p.has_every()) {
    usage_error(flag + ": a path with [*] names many values, not one: " + text);
  }
  return p;
}

ops::DedupeOptions dedupe_options(const Flags& f, const core::Log& log) {
  ops::DedupeOptions o;
  std::vector<std::string> keys;
  std::string why;
  if (!core::split_lists(f.keys.empty() ? std::vector<std::string>{"id"} : f.keys, &keys, &why)) {
    usage_error("--key: " + why);
  }
  for (const auto& k : keys) {
    o.keys.push_back(path_flag("--key", k));
  }
  o.time = path_flag("--time", f.time);
  if (!f.within.empty()) {
    auto within = duration_flag("--within", f.within);
    if (within.count() <= 0) {
      usage_error("--within must be more than 0");
    }
    o.within = std::chrono::duration_cast<std::chrono::milliseconds>(within);
  }
  o.max_keys = f.max_keys;
  o.exact = f.exact;
  o.saved_state = !f.state.empty();
  o.warn = [&log](const std::string& message) { log.warn("{}", message); };
  return o;
}

void run(const Flags& f) {
  core::Log log("dedupe", f.common.quiet);
  if (!f.state.empty() && f.common.checkpoint.empty()) {
    usage_error("--state needs --checkpoint: the store tells which saved versions a restart may "
                "still need");
  }
  if (f.reset_state && f.state.empty()) {
    usage_error("--reset-state needs --state");
  }
  ops::DedupeOptions options = dedupe_options(f, log);
  core::ErrorPolicy policy = error_policy(f.common);
  core::InputOptions input = input_options(f.common);
  auto store = open_checkpoint(f.common);
  std::unique_ptr<core::SideFile> duplicates;
  std::vector<core::SideFile*> sides;
  if (!f.duplicates.empty()) {
    duplicates = std::make_unique<core::SideFile>(f.duplicates);
    sides.push_back(duplicates.get());
    options.duplicates = duplicates.get();
  }
  std::unique_ptr<core::StateJournal> journal;
  if (!f.state.empty()) {
    journal = std::make_unique<core::StateJournal>(f.state);
  }
  ops::Dedupe dedupe(options);
  core::SideFileSync sync(sides);
  std::unique_ptr<core::StatePersistence> persistence;
  std::vector<core::ControlHook*> hooks{&sync};
  if (journal) {
    core::PersistenceOptions p;
    p.store = store.get();
    p.reset_state = f.reset_state;
    persistence = std::make_unique<core::StatePersistence>(*journal, dedupe, sides, p, log);
    hooks = {persistence.get()};
  }
  core::BadData bad(policy, log);
  core::FdSource in(0, "stdin");
  core::LineWriter out(1, "stdout");
  core::run_operator(in, out, dedupe, input, bad, log, hooks);
}

} // namespace

void add_dedupe(CLI::App& app, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand(
      "dedupe", "drop repeated events by key, remembering keys by event time or count, with "
                "state saved per checkpoint");
  sub->add_option("--key", flags->keys,
                  "paths that identify an event, repeatable and comma-separated (default id)")
      ->type_name("PATH");
  sub->add_option("--time", flags->time, "event-time field, read with --within")
      ->capture_default_str()
      ->type_name("PATH");
  sub->add_option("--within", flags->within,
                  "forget keys older than the newest event time minus this (default: never)")
      ->type_name("DURATION");
  sub->add_option("--max-keys", flags->max_keys, "keys remembered at most; the oldest go first")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  sub->add_flag("--exact", flags->exact, "keep whole keys, not only their 128-bit hashes");
  sub->add_option("--state", flags->state, "directory to save the remembered keys in at each checkpoint")
      ->type_name("DIR");
  sub->add_flag("--reset-state", flags->reset_state,
                "start empty when the saved state to resume from is missing or corrupt");
  sub->add_option("--duplicates", flags->duplicates, "file to append dropped events to")
      ->type_name("FILE");
  sub->add_option("--checkpoint", flags->common.checkpoint,
                  "checkpoint store whose sinks say which saved states to keep: a file, sqlite:DB or postgresql://URI")
      ->type_name("STORE");
  add_operator_flags(sub, flags->common);
  commands.push_back({sub, "dedupe", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
