#include "core/control.hpp"

#include "core/json_path.hpp"
#include "core/json_writer.hpp"

#include <fmt/format.h>
#include <ctime>
#include <sys/random.h>
#include <unistd.h>

namespace sluice::core::control {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

template <class F>
std::string make(F&& body) {
  std::string out;
  JsonWriter w(&out);
  w.begin_object().key("$sluice").begin_object();
  body(w);
  w.end_object().end_object();
  return out;
}

void write_barrier_id(JsonWriter& w, const BarrierId& id) {
  w.begin_object().key("run").string(id.run).key("checkpoint").number(id.checkpoint).end_object();
}

error_code get_string(od::value v, std::string* out) {
  std::string_view s;
  error_code e = v.get_string().get(s);
  if (!e) {
    out->assign(s);
  }
  return e;
}

error_code get_raw(od::value v, std::string* out) {
  std::string_view s;
  error_code e = raw_json(v, &s);
  if (!e) {
    out->assign(s);
  }
  return e;
}

error_code parse_barrier_id(od::value v, std::optional<BarrierId>* out) {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
    out->reset();
    return simdjson::SUCCESS;
  }
  od::object o;
  BarrierId id;
  if (error_code e = v.get_object().get(o)) {
    return e; // never iterate a failed object: simdjson leaves it unusable
  }
  error_code e = simdjson::SUCCESS;
  for (auto field : o) {
    std::string_view key;
    if ((e = field.unescaped_key().get(key))) {
      break;
    }
    if (key == "run") {
      e = get_string(field.value(), &id.run);
    } else if (key == "checkpoint") {
      e = field.value().get_uint64().get(id.checkpoint);
    }
  }
  if (!e) {
    *out = id;
  }
  return e;
}

error_code parse_start(od::object o, Start* s) {
  for (auto field : o) {
    std::string_view key;
    error_code e = field.unescaped_key().get(key);
    if (!e && key == "source") {
      e = get_string(field.value(), &s->source);
    } else if (!e && key == "run") {
      e = get_string(field.value(), &s->run);
    } else if (!e && key == "resume") {
      e = parse_barrier_id(field.value(), &s->resume);
    } else if (!e && key == "pos") {
      e = get_raw(field.value(), &s->pos);
    }
    if (e) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code parse_abort(od::object o, Abort* a) {
  for (auto field : o) {
    std::string_view key;
    error_code e = field.unescaped_key().get(key);
    int64_t code = 0;
    if (!e && key == "exit") {
      e = field.value().get_int64().get(code);
      a->exit = static_cast<int>(code);
    } else if (!e && key == "stage") {
      e = get_string(field.value(), &a->stage);
    } else if (!e && key == "reason") {
      e = get_string(field.value(), &a->reason);
    }
    if (e) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code parse_end(od::object o, End* end) {
  for (auto field : o) {
    std::string_view key;
    error_code e = field.unescaped_key().get(key);
    if (!e && key == "checkpoint") {
      e = field.value().get_uint64().get(end->checkpoint);
    }
    if (e) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

// The body of {"$sluice":{…}}: one of its keys names the kind.
error_code parse_body(od::object body, Record* out) {
  Checkpoint c;
  bool is_checkpoint = false;
  *out = Unknown{};
  for (auto field : body) {
    std::string_view key;
    error_code e = field.unescaped_key().get(key);
    od::object o;
    if (e) {
      return e;
    }
    if (key == "start") {
      Start s;
      e = field.value().get_object().get(o);
      e = e ? e : parse_start(o, &s);
      *out = std::move(s);
    } else if (key == "checkpoint") {
      is_checkpoint = true;
      e = field.value().get_uint64().get(c.checkpoint);
    } else if (key == "source") {
      // A barrier's fields are siblings of its "checkpoint" key, in any order (a tool
      // between two stages may reorder keys): keep them whatever comes first.
      e = get_string(field.value(), &c.source);
    } else if (key == "run") {
      e = get_string(field.value(), &c.run);
    } else if (key == "pos") {
      e = get_raw(field.value(), &c.pos);
    } else if (key == "watermark") {
      Watermark w;
      e = field.value().get_int64().get(w.ts_ms);
      *out = w;
    } else if (key == "schema") {
      Schema s;
      e = get_raw(field.value(), &s.json);
      *out = std::move(s);
    } else if (key == "end") {
      End end;
      e = field.value().get_object().get(o);
      e = e ? e : parse_end(o, &end);
      *out = end;
    } else if (key == "abort") {
      Abort a;
      e = field.value().get_object().get(o);
      e = e ? e : parse_abort(o, &a);
      *out = std::move(a);
    }
    if (e) {
      return e;
    }
  }
  if (is_checkpoint) {
    *out = std::move(c);
  }
  return simdjson::SUCCESS;
}

// Reads {"$sluice":{…}}; sets *is_event when "$sluice" is not the object's only key.
error_code parse_outer(od::object outer, Record* out, bool* is_event) {
  size_t fields = 0;
  for (auto field : outer) {
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) {
      return e;
    }
    if (++fields > 1 || key != "$sluice") {
      *is_event = true; // "$sluice" beside other keys: an ordinary event
      return simdjson::SUCCESS;
    }
    od::object body;
    error_code e = field.value().get_object().get(body);
    if ((e = e ? e : parse_body(body, out))) {
      return e;
    }
  }
  *is_event = fields == 0;
  return simdjson::SUCCESS;
}

} // namespace

bool may_be_control(std::string_view line) {
  size_t i = 0;
  // JSON whitespace: a CR can stand inside a line (only a final one is dropped).
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < line.size() && is_space(line[i])) {
    ++i;
  }
  if (i >= line.size() || line[i] != '{') {
    return false;
  }
  ++i;
  while (i < line.size() && is_space(line[i])) {
    ++i;
  }
  return line.substr(i, 9) == "\"$sluice\"";
}

Parsed parse_control(od::parser& parser, simdjson::padded_string_view line, Record* out,
                     std::string* why) {
  od::document doc;
  od::object outer;
  error_code e = parser.iterate(line).get(doc);
  e = e ? e : doc.get_object().get(outer);
  bool is_event = false;
  // A failed document or object is never iterated: simdjson would dereference its null
  // iterator (a crash with its development checks, garbage without).
  e = e ? e : parse_outer(outer, out, &is_event);
  if (!e && is_event) {
    return Parsed::event;
  }
  if (!e && doc.current_location().error() == simdjson::SUCCESS) {
    e = simdjson::TRAILING_CONTENT;
  }
  if (e) {
    *why = fmt::format("malformed control record: {}", simdjson::error_message(e));
    return Parsed::malformed;
  }
  return Parsed::control;
}

std::string make_start(const Start& s) {
  return make([&](JsonWriter& w) {
    w.key("start").begin_object().key("source").string(s.source).key("run").string(s.run);
    w.key("resume");
    if (s.resume) {
      write_barrier_id(w, *s.resume);
    } else {
      w.null();
    }
    w.key("pos").raw(s.pos).end_object();
  });
}

std::string make_checkpoint(const Checkpoint& c) {
  return make([&](JsonWriter& w) {
    w.key("checkpoint").number(c.checkpoint).key("source").string(c.source);
    w.key("run").string(c.run).key("pos").raw(c.pos);
  });
}

std::string make_watermark(const Watermark& m) {
  return make([&](JsonWriter& w) { w.key("watermark").number(m.ts_ms); });
}

std::string make_schema(const Schema& s) {
  return make([&](JsonWriter& w) { w.key("schema").raw(s.json); });
}

std::string make_end(const End& e) {
  return make([&](JsonWriter& w) {
    w.key("end").begin_object().key("checkpoint").number(e.checkpoint).end_object();
  });
}

std::string make_abort(const Abort& a) {
  return make([&](JsonWriter& w) {
    w.key("abort").begin_object().key("exit").number(a.exit).key("stage").string(a.stage);
    w.key("reason").string(a.reason).end_object();
  });
}

std::string new_run_id() {
  uint64_t r = 0;
  ssize_t n = getrandom(&r, sizeof r, 0);
  if (n != static_cast<ssize_t>(sizeof r)) {
    // getrandom only fails before the pool is initialised; time and pid still differ per run.
    r = static_cast<uint64_t>(time(nullptr)) * 6364136223846793005ull + static_cast<uint64_t>(getpid());
  }
  return fmt::format("{:016x}", r);
}

} // namespace sluice::core::control
