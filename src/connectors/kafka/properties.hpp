// Properties: the librdkafka configuration of a Kafka capture or sink,
// assembled from sluice's defaults, `-F FILE`, secret environment variables
// and `-X key=value` (DESIGN §2), in rising precedence.
//
// Values pass to librdkafka untouched, except that sluice refuses what it must
// own (offset commits, EOF events, the group id: each has a flag) and secret
// keys on the command line, which must come from -F FILE or the environment
// (SLUICE_KAFKA_SASL_PASSWORD for sasl.password, and so on). A "topic." prefix
// (kcat's spelling of topic properties) is dropped. Messages never show a
// secret's value. Plain values; not thread-safe; never throws (bad_alloc aside).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::kafka {

enum class Role { consumer, producer };

struct Property {
  std::string key;
  std::string value;
  std::string origin; // "-X", "FILE:LINE", "$VAR" or "sluice"
};

class Properties {
 public:
  explicit Properties(Role role) : m_role(role) {}

  // One `-X key=value`; false with a reason (and a hint) when it is malformed,
  // owned by sluice, or a secret.
  bool add_flag(std::string_view text, std::string* why);
  // The text of a properties file (`key=value` lines, `#` comments, blank
  // lines), named `name` in messages.
  bool add_file_text(std::string_view text, const std::string& name, std::string* why);
  // Reads a properties file from disk.
  bool add_file(const std::string& path, std::string* why);
  // Secret keys set in the environment: SLUICE_KAFKA_<KEY> with dots as
  // underscores, upper case. `getenv` is the lookup (std::getenv in production).
  void add_environment(const std::function<const char*(const char*)>& getenv);

  // Sets `key` unless the user did.
  void set_default(const std::string& key, const std::string& value);
  // Sets `key` whatever the user did (sluice owns it).
  void set_owned(const std::string& key, const std::string& value);

  std::optional<std::string> get(std::string_view key) const;
  // True when the user (a flag, file or variable) set `key`.
  bool is_user_set(std::string_view key) const;
  const std::vector<Property>& items() const { return m_items; }

  // The environment variable that may hold the secret `key`.
  static std::string environment_name(std::string_view key);
  static bool is_secret(std::string_view key);
  static const std::vector<std::string>& secret_keys();

 private:
  bool add(std::string_view key, std::string_view value, const std::string& origin, bool from_argv,
           std::string* why);
  void put(std::string key, std::string value, std::string origin);

  Role m_role;
  std::vector<Property> m_items;
};

} // namespace sluice::connectors::kafka
