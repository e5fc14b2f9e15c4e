#include "connectors/change_rules.hpp"

#include "connectors/postgres/lsn.hpp"
#include "core/event_time.hpp"
#include "core/json_check.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace sluice::connectors {

namespace od = simdjson::ondemand;

bool parse_delete_mode(std::string_view text, DeleteMode* out, std::string* why) {
  if (text == "delete") {
    *out = DeleteMode::remove;
  } else if (text == "soft") {
    *out = DeleteMode::soft;
  } else if (text == "ignore") {
    *out = DeleteMode::ignore;
  } else {
    *why = fmt::format("invalid --delete-mode \"{}\" (expected delete, soft or ignore)", text);
    return false;
  }
  return true;
}

bool read_order_value(od::value value, OrderValue* out, std::string* why) {
  od::json_type type;
  if (simdjson::error_code e = value.type().get(type)) {
    *why = core::describe_json_error(e);
    return false;
  }
  if (type == od::json_type::number) {
    std::string_view token;
    if (core::raw_json(value, &token) != simdjson::SUCCESS || !core::is_json_number(token)) {
      *why = "the ordering value is not a valid number";
      return false;
    }
    out->text.assign(token);
    out->number = std::strtold(out->text.c_str(), nullptr);
    return true;
  }
  std::string_view text;
  if (type != od::json_type::string || value.get_string().get(text) != simdjson::SUCCESS) {
    *why = "the ordering value is not a number, an RFC 3339 time or an LSN";
    return false;
  }
  uint64_t lsn = 0;
  int64_t ms = 0;
  std::string ignored;
  if (postgres::parse_lsn(text, &lsn)) {
    out->text = std::to_string(lsn);
    out->number = static_cast<long double>(lsn);
    return true;
  }
  if (core::event_time_from_string(text, &ms, &ignored)) {
    out->text = std::to_string(ms);
    out->number = static_cast<long double>(ms);
    return true;
  }
  *why = fmt::format("the ordering value \"{}\" is not a number, an RFC 3339 time or an LSN",
                     text);
  return false;
}

bool read_order(od::document& doc, const core::JsonPath& path, OrderValue* out,
                std::string* why) {
  od::value value;
  simdjson::error_code e = core::find_path(doc, path, &value);
  if (e == simdjson::NO_SUCH_FIELD) {
    *why = fmt::format("--if-newer field \"{}\" is missing", path.text());
    return false;
  }
  if (e) {
    *why = core::describe_json_error(e);
    return false;
  }
  if (!read_order_value(value, out, why)) {
    *why = fmt::format("--if-newer field \"{}\": {}", path.text(), *why);
    return false;
  }
  return true;
}

int compare_order(const OrderValue& a, const OrderValue& b) {
  return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
}

Decision decide(ChangeKind kind, DeleteMode mode, const OrderValue* incoming,
                const OrderValue* known) {
  if (kind == ChangeKind::remove && mode == DeleteMode::ignore) {
    return Decision::skip_deletes;
  }
  if (incoming != nullptr && known != nullptr && compare_order(*incoming, *known) < 0) {
    return Decision::skip_older;
  }
  return Decision::apply;
}

void SinkCounts::add(const SinkCounts& o) {
  upserted += o.upserted;
  appended += o.appended;
  deleted += o.deleted;
  truncates += o.truncates;
  landed += o.landed;
  duplicates += o.duplicates;
  older += o.older;
  ignored += o.ignored;
}

std::string SinkCounts::summary(bool raw, bool if_newer, DeleteMode delete_mode) const {
  if (raw) {
    return fmt::format("{} events landed, {} duplicate ids ignored", landed, duplicates);
  }
  std::string s = fmt::format("{} rows upserted, {} appended, {} deleted, {} truncates", upserted,
                              appended, deleted, truncates);
  if (if_newer) {
    s += fmt::format(", {} older changes skipped", older);
  }
  if (delete_mode == DeleteMode::ignore) {
    s += fmt::format(", {} deletes ignored", ignored);
  }
  return s;
}

} // namespace sluice::connectors
