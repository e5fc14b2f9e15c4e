// sluice transform: flags -> ops::transform::Transform, steps in command-line order.
#include "ops/transform/transform.hpp"
#include "command.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/list_split.hpp"

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <unistd.h>

namespace sluice::cli {

namespace {

using ops::transform::StepSpec;

struct StepFlag {
  const char *name;
  StepSpec::Kind kind;
  bool list; // comma-separated (DESIGN §2) or one value per occurrence
  const char *type;
  const char *help;
};

constexpr StepFlag k_step_flags[] = {
    {"--where", StepSpec::Kind::where, false, "EXPR", "keep only events where EXPR is true"},
    {"--assert", StepSpec::Kind::assert_, false, "EXPR",
     "an event where EXPR is not true is bad data (--on-error)"},
    {"--select", StepSpec::Kind::select, true, "PATH",
     "keep only these fields (NAME=PATH renames)"},
    {"--drop", StepSpec::Kind::drop, true, "PATH", "remove these fields"},
    {"--rename", StepSpec::Kind::rename, true, "OLD=NEW", "move a field to a new path"},
    {"--set", StepSpec::Kind::set, false, "PATH=EXPR", "set a field to the value of EXPR"},
    {"--unwrap", StepSpec::Kind::unwrap, false, "PATH", "replace the event by the object at PATH"},
    {"--hash", StepSpec::Kind::hash, true, "PATH", "replace values by their HMAC-SHA256 in hex"},
    {"--mask", StepSpec::Kind::mask, true, "MASK",
     "replace the characters of values by * (PATH, or PATH:keep-last=N to keep the last N)"},
    {"--redact", StepSpec::Kind::redact, false, "PATTERN",
     "replace matches in every string: email, card, phone, ipv4 or an RE2 regex"},
    {"--null", StepSpec::Kind::null, true, "PATH", "set these fields to null where present"},
};

struct Flags {
  CommonFlags common;
  std::map<std::string, std::vector<std::string>> values; // by step flag
  bool flatten = false;
  std::string sep = ".";
  bool keep_meta = false;
  std::string hash_key_env;
  std::string hash_key_file;
  bool unsalted = false;
};

std::string read_key_file(const std::string &path) {
  core::Fd fd = core::open_file(path, O_RDONLY);
  std::string key;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      core::throw_errno("read " + path);
    }
    if (n == 0) {
      break;
    }
    key.append(buf, static_cast<size_t>(n));
    if (key.size() > (1u << 20)) {
      usage_error("--hash-key-file: " + path + " is larger than 1 MiB");
    }
  }
  // A key file written by echo ends with a newline that is not part of the key.
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) {
    key.pop_back();
  }
  return key;
}

std::string hash_key(const Flags &f, bool hashes) {
  if (!f.hash_key_env.empty() && !f.hash_key_file.empty()) {
    usage_error("give the hash key once: --hash-key-env or --hash-key-file");
  }
  std::string key;
  if (!f.hash_key_env.empty()) {
    const char *v = std::getenv(f.hash_key_env.c_str());
    if (v == nullptr || *v == '\0') {
      usage_error("--hash-key-env: the environment variable " + f.hash_key_env + " is not set");
    }
    key = v;
  } else if (!f.hash_key_file.empty()) {
    key = read_key_file(f.hash_key_file);
    if (key.empty()) {
      usage_error("--hash-key-file: " + f.hash_key_file + " is empty");
    }
  }
  if (f.unsalted && !key.empty()) {
    usage_error("--unsalted cannot be combined with a hash key");
  }
  if (hashes && key.empty() && !f.unsalted) {
    usage_error("--hash needs a key: --hash-key-env VAR or --hash-key-file FILE (or --unsalted "
                "for plain SHA-256, which anyone can reverse for guessable values)");
  }
  return key;
}

// The steps in command-line order: CLI11 lists every occurrence of every option.
std::vector<StepSpec> steps_in_order(CLI::App *app, const Flags &f) {
  std::map<std::string, size_t> taken;
  std::vector<StepSpec> steps;
  for (const CLI::Option *opt : app->parse_order()) {
    std::string name = opt->get_name();
    if (name == "--flatten") {
      steps.push_back({StepSpec::Kind::flatten, {}});
      continue;
    }
    for (const auto &flag : k_step_flags) {
      if (name != flag.name) {
        continue;
      }
      const std::string &value = f.values.at(name).at(taken[name]++);
      StepSpec spec{flag.kind, {}};
      std::string why;
      if (!flag.list) {
        spec.items.push_back(value);
      } else if (!core::split_list(value, &spec.items, &why)) {
        usage_error(std::string(flag.name) + ": " + why);
      }
      // A list flag repeated right after itself is one list: `--select a
      // --select b` is `--select a,b` (two selects in a row would keep nothing).
      if (flag.list && !steps.empty() && steps.back().kind == flag.kind) {
        auto &items = steps.back().items;
        items.insert(items.end(), spec.items.begin(), spec.items.end());
        continue;
      }
      steps.push_back(std::move(spec));
    }
  }
  return steps;
}

void run(CLI::App *app, const Flags &f) {
  core::Log log("transform", f.common.quiet);
  ops::transform::TransformOptions o;
  o.steps = steps_in_order(app, f);
  bool hashes = false;
  bool unwraps = false;
  for (const auto &s : o.steps) {
    hashes |= s.kind == StepSpec::Kind::hash;
    unwraps |= s.kind == StepSpec::Kind::unwrap;
  }
  // Settings of a step that is not there would be silently ignored.
  if (f.keep_meta && !unwraps) {
    usage_error("--keep-meta goes with --unwrap");
  }
  if (app->count("--sep") > 0 && !f.flatten) {
    usage_error("--sep goes with --flatten");
  }
  o.hash_key = hash_key(f, hashes);
  o.separator = f.sep;
  o.keep_meta = f.keep_meta;
  o.clock = [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  o.env = [](const std::string &name) -> std::optional<std::string> {
    const char *v = std::getenv(name.c_str());
    return v == nullptr ? std::nullopt : std::optional<std::string>(v);
  };
  run_operator_stage(f.common, log, [&] { return std::make_unique<ops::transform::Transform>(o); });
}

} // namespace

void add_transform(CLI::App &app, Commands &commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App *sub = app.add_subcommand(
      "transform", "filter, reshape and mask events in flight with steps applied in order");
  for (const auto &flag : k_step_flags) {
    sub->add_option(flag.name, flags->values[flag.name], flag.help)
        ->type_name(flag.type)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  sub->add_flag("--flatten", flags->flatten, "turn nested objects into top-level fields");
  sub->add_option("--sep", flags->sep, "separator of the names --flatten makes")
      ->capture_default_str()
      ->type_name("SEP");
  sub->add_flag("--keep-meta", flags->keep_meta, "--unwrap keeps the envelope's id, op and ts");
  sub->add_option("--hash-key-env", flags->hash_key_env,
                  "environment variable holding the --hash key")
      ->type_name("VAR");
  sub->add_option("--hash-key-file", flags->hash_key_file, "file holding the --hash key")
      ->type_name("FILE");
  sub->add_flag("--unsalted", flags->unsalted, "--hash without a key: plain SHA-256");
  add_operator_flags(sub, flags->common);
  commands.push_back({sub, "transform", [sub, flags] { run(sub, *flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
