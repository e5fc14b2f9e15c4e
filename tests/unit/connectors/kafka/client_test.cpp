#include "connectors/kafka/client.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::kafka {
namespace {

TEST_CASE("kafka retry delays double from the first up to the cap", "[connectors][kafka][client]") {
  RetryPolicy r;
  CHECK(r.delay(0).count() == 500);
  CHECK(r.delay(1).count() == 1000);
  CHECK(r.delay(4).count() == 8000);
  CHECK(r.delay(5).count() == 10000);
  CHECK(r.delay(50).count() == 10000);
}

TEST_CASE("kafka errors map to unavailable when time may cure them and io otherwise",
          "[connectors][kafka][client]") {
  CHECK(exit_code_for(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) == core::ExitCode::unavailable);
  CHECK(exit_code_for(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) == core::ExitCode::unavailable);
  CHECK(exit_code_for(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION) == core::ExitCode::unavailable);
  CHECK(exit_code_for(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) == core::ExitCode::io);
  CHECK(exit_code_for(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) == core::ExitCode::io);
  CHECK(describe_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT).find("_MSG_TIMED_OUT") !=
        std::string::npos);
}

TEST_CASE("kafka client creation names a refused property and hides a secret's value",
          "[connectors][kafka][client]") {
  ClientEvents events;
  Properties p(Role::producer);
  std::string why;
  REQUIRE(p.add_file_text("bootstrap.servers=127.0.0.1:1\nlinger.ms=soon\n", "k.properties", &why));
  try {
    create_client(Role::producer, p, &events, nullptr);
    FAIL("created");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::usage);
    CHECK(std::string(e.what()).find("k.properties:2 linger.ms") != std::string::npos);
  }
  Properties secret(Role::producer);
  REQUIRE(secret.add_file_text("sasl.password=hunter2\nssl.key.pem=hunter3\n", "s", &why));
  try {
    // ssl.key.pem must be a PEM key: librdkafka refuses it at creation, and
    // the message must not quote it.
    create_client(Role::producer, secret, &events, nullptr);
  } catch (const core::Error& e) {
    CHECK(std::string(e.what()).find("hunter") == std::string::npos);
  }
}

TEST_CASE("kafka client creation takes good properties without a broker",
          "[connectors][kafka][client]") {
  ClientEvents events;
  Properties p(Role::consumer);
  std::string why;
  REQUIRE(p.add_flag("bootstrap.servers=127.0.0.1:1", &why));
  REQUIRE(p.add_flag("fetch.wait.max.ms=10", &why));
  bool customized = false;
  Handle h =
      create_client(Role::consumer, p, &events, [&](rd_kafka_conf_t*) { customized = true; });
  CHECK(h);
  CHECK(customized);
  CHECK(rd_kafka_opaque(h.get()) == &events);
}

} // namespace
} // namespace sluice::connectors::kafka
