#include "core/metrics_text.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST_CASE("metrics text carries every counter with stage and command labels", "[core][metrics_text]") {
  StageCounters c;
  c.events_in.add(10);
  c.events_out.add(9);
  c.bytes_in.add(300);
  c.barriers.add(2);
  c.error(BadKind::malformed);
  c.last_checkpoint_ms.set(1000);
  MetricsInput in;
  in.kind = StageKind::sink;
  in.command = "sink file";
  in.now_ms = 3500;
  in.start_ms = 500;
  in.stdin_queue = 42;
  std::string text = render_metrics(in, c);
  const std::string l = "{stage=\"sink\",command=\"sink file\"";
  CHECK(has_line(text, "# TYPE sluice_events_in_total counter"));
  CHECK(has_line(text, "sluice_events_in_total" + l + "} 10"));
  CHECK(has_line(text, "sluice_events_out_total" + l + "} 9"));
  CHECK(has_line(text, "sluice_bytes_in_total" + l + "} 300"));
  CHECK(text.find("sluice_bytes_out_total") == std::string::npos);
  CHECK(has_line(text, "sluice_errors_total" + l + ",kind=\"malformed\"} 1"));
  CHECK(has_line(text, "sluice_errors_total" + l + ",kind=\"too_long\"} 0"));
  CHECK(has_line(text, "sluice_barriers_total" + l + "} 2"));
  CHECK(has_line(text, "sluice_checkpoint_age_seconds" + l + "} 2.5"));
  CHECK(has_line(text, "sluice_queue_depth_bytes" + l + ",queue=\"stdin\"} 42"));
  CHECK(has_line(text, "sluice_start_time_seconds" + l + "} 0.5"));
  CHECK(text.find("sluice_source_lag") == std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("metrics text shows the source lag once a capture sets it", "[core][metrics_text]") {
  StageCounters c;
  c.set_source_lag(777, LagUnit::bytes);
  c.queue_events.set(5);
  MetricsInput in;
  in.kind = StageKind::capture;
  in.command = "capture postgres";
  std::string text = render_metrics(in, c);
  const std::string l = "{stage=\"capture\",command=\"capture postgres\"";
  CHECK(has_line(text, "# TYPE sluice_source_lag gauge"));
  CHECK(has_line(text, "sluice_source_lag" + l + ",unit=\"bytes\"} 777"));
  CHECK(has_line(text, "sluice_queue_depth_events" + l + ",queue=\"connector\"} 5"));
  CHECK(has_line(text, "sluice_bytes_out_total" + l + "} 0"));
  CHECK(text.find("sluice_checkpoint_age_seconds") == std::string::npos);
}

TEST_CASE("metrics text escapes label values", "[core][metrics_text]") {
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("metrics address is a port or a host and port", "[core][metrics_text]") {
  MetricsAddress a;
  std::string why;
  REQUIRE(parse_metrics_address("9100", &a, &why));
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 9100);
  REQUIRE(parse_metrics_address("0.0.0.0:80", &a, &why));
  CHECK(a.host == "0.0.0.0");
  CHECK(a.port == 80);
  REQUIRE(parse_metrics_address("[::1]:9100", &a, &why));
  CHECK(a.host == "::1");
  CHECK_FALSE(parse_metrics_address("", &a, &why));
  CHECK_FALSE(parse_metrics_address("host:", &a, &why));
  CHECK_FALSE(parse_metrics_address(":9100", &a, &why));
  CHECK_FALSE(parse_metrics_address("70000", &a, &why));
  CHECK_FALSE(parse_metrics_address("91x", &a, &why));
  CHECK(why.find("invalid port") != std::string::npos);
}

} // namespace
} // namespace sluice::core
