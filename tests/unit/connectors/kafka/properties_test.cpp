#include "connectors/kafka/properties.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <map>

namespace sluice::connectors::kafka {
namespace {

TEST_CASE("kafka properties take -X flags and let later ones win",
          "[connectors][kafka][properties]") {
  Properties p(Role::consumer);
  std::string why;
  REQUIRE(p.add_flag("fetch.wait.max.ms=5", &why));
  REQUIRE(p.add_flag("fetch.wait.max.ms=7", &why));
  REQUIRE(p.add_flag("client.id=a=b", &why)); // the value keeps its '='
  CHECK(p.get("fetch.wait.max.ms") == std::optional<std::string>("7"));
  CHECK(p.get("client.id") == std::optional<std::string>("a=b"));
  CHECK(p.is_user_set("client.id"));
  CHECK(p.items().size() == 2);
}

TEST_CASE("kafka properties drop kcat's topic prefix and alias the broker list",
          "[connectors][kafka][properties]") {
  Properties p(Role::producer);
  std::string why;
  REQUIRE(p.add_flag("topic.message.timeout.ms=1000", &why));
  REQUIRE(p.add_flag("metadata.broker.list=h:9092", &why));
  REQUIRE(p.add_flag("topic.metadata.refresh.interval.ms=1000", &why));
  CHECK(p.get("message.timeout.ms") == std::optional<std::string>("1000"));
  CHECK(p.get("bootstrap.servers") == std::optional<std::string>("h:9092"));
  CHECK(p.get("topic.metadata.refresh.interval.ms") == std::optional<std::string>("1000"));
}

TEST_CASE("kafka properties refuse offset commits and eof events owned by sluice with a hint",
          "[connectors][kafka][properties]") {
  Properties p(Role::consumer);
  std::string why;
  CHECK_FALSE(p.add_flag("enable.auto.commit=true", &why));
  CHECK(why.find("only up to what the sink recorded") != std::string::npos);
  CHECK(p.add_flag("enable.auto.commit=false", &why)); // what sluice sets anyway
  CHECK_FALSE(p.add_flag("enable.partition.eof=true", &why));
  CHECK(why.find("-e") != std::string::npos);
  CHECK_FALSE(p.add_flag("group.id=g", &why));
  CHECK(why.find("-G") != std::string::npos);
  CHECK_FALSE(p.add_file_text("enable.auto.offset.store=true\n", "c.properties", &why));
  CHECK(why.find("c.properties:1") != std::string::npos);

  Properties producer(Role::producer);
  CHECK(producer.add_flag("enable.partition.eof=true", &why)); // nothing to own there
}

TEST_CASE("kafka properties refuse secrets on the command line without echoing them",
          "[connectors][kafka][properties]") {
  Properties p(Role::consumer);
  std::string why;
  for (const auto& key : Properties::secret_keys()) {
    CHECK_FALSE(p.add_flag(key + "=hunter2", &why));
    CHECK(why.find("hunter2") == std::string::npos);
    CHECK(why.find("-F") != std::string::npos);
  }
  CHECK_FALSE(p.add_flag("hunter2", &why));
  CHECK(why.find("hunter2") == std::string::npos);
  CHECK(Properties::environment_name("sasl.password") == "SLUICE_KAFKA_SASL_PASSWORD");
}

TEST_CASE("kafka properties read files with comments blanks and CRLF and keep values as written",
          "[connectors][kafka][properties]") {
  Properties p(Role::producer);
  std::string why;
  REQUIRE(p.add_file_text("# comment\n\n  security.protocol = SASL_SSL\r\nsasl.password=pa ss \n"
                          "sasl.username=u",
                          "f", &why));
  CHECK(p.get("security.protocol") == std::optional<std::string>(" SASL_SSL"));
  CHECK(p.get("sasl.password") == std::optional<std::string>("pa ss "));
  CHECK(p.get("sasl.username") == std::optional<std::string>("u"));
  CHECK_FALSE(p.add_file_text("ok=1\nno equals sign\n", "f", &why));
  CHECK(why == "f:2: expected key=value");
  CHECK_FALSE(p.add_file("/nonexistent/kafka.properties", &why));
  CHECK(why.find("/nonexistent/kafka.properties") != std::string::npos);
}

TEST_CASE("kafka properties take secrets from the environment and defaults only where unset",
          "[connectors][kafka][properties]") {
  Properties p(Role::consumer);
  std::string why;
  REQUIRE(p.add_flag("linger.ms=1", &why));
  std::map<std::string, std::string> env = {{"SLUICE_KAFKA_SASL_PASSWORD", "s3cret"}};
  p.add_environment([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  p.set_default("linger.ms", "5");
  p.set_default("batch.size", "1000000");
  p.set_owned("enable.auto.commit", "false");
  CHECK(p.get("sasl.password") == std::optional<std::string>("s3cret"));
  CHECK(p.get("linger.ms") == std::optional<std::string>("1"));
  CHECK(p.get("batch.size") == std::optional<std::string>("1000000"));
  CHECK_FALSE(p.is_user_set("batch.size"));
  CHECK(p.is_user_set("sasl.password"));
  CHECK(p.get("enable.auto.commit") == std::optional<std::string>("false"));
}

} // namespace
} // namespace sluice::connectors::kafka
