#include "ops/event_fields.hpp"

#include "core/event_time.hpp"
#include "core/state_record.hpp"

#include <fmt/format.h>

namespace sluice::ops {
namespace {

namespace od = simdjson::ondemand;

bool find(od::document& doc, const core::JsonPath& path, std::string_view flag, od::value* out,
          std::string* why) {
  simdjson::error_code e = core::find_path(doc, path, out);
  if (e == simdjson::SUCCESS) {
    return true;
  }
  *why = e == simdjson::NO_SUCH_FIELD
             ? fmt::format("field \"{}\" is missing ({})", path.text(), flag)
             : fmt::format("field \"{}\" ({}): {}", path.text(), flag, simdjson::error_message(e));
  return false;
}

void append_tagged(std::string* out, char tag, std::string_view bytes) {
  out->push_back(tag);
  core::put_u32(out, static_cast<uint32_t>(bytes.size()));
  out->append(bytes);
}

} // namespace

bool append_canonical(od::document& doc, const core::JsonPath& path, std::string_view flag,
                      std::string* out, std::string* why) {
  od::value value;
  if (!find(doc, path, flag, &value, why)) {
    return false;
  }
  od::json_type type;
  simdjson::error_code e = value.type().get(type);
  std::string_view text;
  if (!e && type == od::json_type::string) {
    e = value.get_string().get(text);
    if (!e) {
      append_tagged(out, 's', text);
      return true;
    }
  } else if (!e) {
    e = core::raw_json(value, &text);
  }
  if (e) {
    *why = fmt::format("field \"{}\" ({}): {}", path.text(), flag, simdjson::error_message(e));
    return false;
  }
  if (type != od::json_type::object && type != od::json_type::array) {
    append_tagged(out, type == od::json_type::number ? 'n' : 'l', text);
    return true;
  }
  std::string minified(text.size(), '\0');
  size_t length = 0;
  if (simdjson::minify(text.data(), text.size(), minified.data(), length)) {
    *why = fmt::format("field \"{}\" ({}): not valid JSON", path.text(), flag);
    return false;
  }
  minified.resize(length);
  append_tagged(out, 'o', minified);
  return true;
}

bool read_event_time(od::document& doc, const core::JsonPath& path, std::string_view flag,
                     int64_t* ms, std::string* why) {
  od::value value;
  if (!find(doc, path, flag, &value, why)) {
    return false;
  }
  std::string reason;
  if (!core::event_time_of(value, ms, &reason)) {
    *why = fmt::format("field \"{}\" ({}): {}", path.text(), flag, reason);
    return false;
  }
  return true;
}

bool read_integer(od::document& doc, const core::JsonPath& path, std::string_view flag,
                  int64_t* value, std::string* why) {
  od::value v;
  if (!find(doc, path, flag, &v, why)) {
    return false;
  }
  if (v.get_int64().get(*value) != simdjson::SUCCESS) {
    *why = fmt::format("field \"{}\" ({}) is not an integer", path.text(), flag);
    return false;
  }
  return true;
}

} // namespace sluice::ops
