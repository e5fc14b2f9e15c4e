#include "connectors/kafka/properties.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace sluice::connectors::kafka {
namespace {

// What sluice owns, and the flag to use instead.
struct Owned {
  const char* key;
  Role role;
  bool false_allowed; // "false" is accepted (it is what sluice sets anyway)
  const char* hint;
};

constexpr Owned k_owned[] = {
    {"enable.auto.commit", Role::consumer, true,
     "sluice commits offsets itself, only up to what the sink recorded"},
    {"enable.auto.offset.store", Role::consumer, true,
     "sluice commits offsets itself, only up to what the sink recorded"},
    {"enable.partition.eof", Role::consumer, false, "use -e to stop at the end of the partitions"},
    {"group.id", Role::consumer, false, "use -G/--group"},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_false(std::string_view v) {
  return v == "false" || v == "0";
}

std::string canonical_key(std::string_view key) {
  constexpr std::string_view k_topic = "topic.";
  // kcat writes topic properties as "topic.KEY"; librdkafka takes them on the
  // global configuration. Keys that really start with "topic." (none today
  // besides topic.metadata.*) keep their name.
  if (key.substr(0, k_topic.size()) == k_topic && key.substr(0, 15) != "topic.metadata.") {
    key.remove_prefix(k_topic.size());
  }
  if (key == "metadata.broker.list") {
    return "bootstrap.servers";
  }
  return std::string(key);
}

} // namespace

const std::vector<std::string>& Properties::secret_keys() {
  static const std::vector<std::string> keys = {
      "sasl.password",
      "sasl.oauthbearer.client.secret",
      "sasl.oauthbearer.config",
      "ssl.key.password",
      "ssl.key.pem",
      "ssl.keystore.password",
  };
  return keys;
}

bool Properties::is_secret(std::string_view key) {
  const auto& keys = secret_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string Properties::environment_name(std::string_view key) {
  std::string name = "SLUICE_KAFKA_";
  for (char c : key) {
    name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

void Properties::put(std::string key, std::string value, std::string origin) {
  for (auto& p : m_items) {
    if (p.key == key) {
      p.value = std::move(value);
      p.origin = std::move(origin);
      return;
    }
  }
  m_items.push_back({std::move(key), std::move(value), std::move(origin)});
}

bool Properties::add(std::string_view raw_key, std::string_view value, const std::string& origin,
                     bool from_argv, std::string* why) {
  std::string key = canonical_key(raw_key);
  if (key.empty()) {
    *why = fmt::format("{}: a property needs a name (key=value)", origin);
    return false;
  }
  for (const auto& o : k_owned) {
    if (key == o.key && o.role == m_role && !(o.false_allowed && is_false(value))) {
      *why = fmt::format("{}: {} is owned by sluice: {}", origin, key, o.hint);
      return false;
    }
  }
  if (from_argv && is_secret(key)) {
    *why = fmt::format("{}: {} is a secret and must not be on the command line: put it in a "
                       "file given with -F, or in the environment variable {}",
                       origin, key, environment_name(key));
    return false;
  }
  put(std::move(key), std::string(value), origin);
  return true;
}

bool Properties::add_flag(std::string_view text, std::string* why) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    // Not echoed: a mistyped secret must not reach a log.
    *why = "-X: expected key=value";
    return false;
  }
  return add(trim(text.substr(0, eq)), text.substr(eq + 1), "-X", true, why);
}

bool Properties::add_file_text(std::string_view text, const std::string& name, std::string* why) {
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    std::string_view content = trim(line);
    if (content.empty() || content.front() == '#') {
      continue;
    }
    std::string origin = fmt::format("{}:{}", name, number);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      *why = fmt::format("{}: expected key=value", origin);
      return false;
    }
    // The value is kept as written (a password may end in a blank).
    if (!add(trim(line.substr(0, eq)), line.substr(eq + 1), origin, false, why)) {
      return false;
    }
  }
  return true;
}

bool Properties::add_file(const std::string& path, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = fmt::format("-F {}: {}", path, std::strerror(errno));
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return add_file_text(text.str(), path, why);
}

void Properties::add_environment(const std::function<const char*(const char*)>& getenv) {
  for (const auto& key : secret_keys()) {
    std::string name = environment_name(key);
    if (const char* value = getenv(name.c_str()); value != nullptr) {
      put(key, value, "$" + name);
    }
  }
}

void Properties::set_default(const std::string& key, const std::string& value) {
  if (!get(key)) {
    put(key, value, "sluice");
  }
}

void Properties::set_owned(const std::string& key, const std::string& value) {
  put(key, value, "sluice");
}

std::optional<std::string> Properties::get(std::string_view key) const {
  for (const auto& p : m_items) {
    if (p.key == key) {
      return p.value;
    }
  }
  return std::nullopt;
}

bool Properties::is_user_set(std::string_view key) const {
  for (const auto& p : m_items) {
    if (p.key == key) {
      return p.origin != "sluice";
    }
  }
  return false;
}

} // namespace sluice::connectors::kafka
