#include "core/metrics_server.hpp"

#include "core/error.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Answer {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

Answer request(uint16_t port, http::verb method, const std::string& target, std::string body = {}) {
  asio::io_context context;
  tcp::socket socket(context);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(socket, buffer, res, ec);
  if (ec) {
    return {};
  }
  return {res.result_int(), res.body(), std::string(res[http::field::content_type])};
}

MetricsAddress any_port() {
  MetricsAddress a;
  a.port = 0;
  return a;
}

TEST_CASE("metrics server answers GET /metrics with the rendered text", "[core][metrics_server]") {
  int calls = 0;
  MetricsServer server(any_port(), [&] { return "sluice_events_in_total " + std::to_string(++calls) + "\n"; });
  REQUIRE(server.port() != 0);
  Answer a = request(server.port(), http::verb::get, "/metrics");
  CHECK(a.status == 200);
  CHECK(a.body == "sluice_events_in_total 1\n");
  CHECK(a.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(request(server.port(), http::verb::get, "/metrics?x=1").body == "sluice_events_in_total 2\n");
}

TEST_CASE("metrics server answers 404 for other paths and 405 for other methods", "[core][metrics_server]") {
  MetricsServer server(any_port(), [] { return std::string("x 1\n"); });
  CHECK(request(server.port(), http::verb::get, "/").status == 404);
  CHECK(request(server.port(), http::verb::get, "/metricsx").status == 404);
  CHECK(request(server.port(), http::verb::post, "/metrics", "a=b").status == 405);
}

TEST_CASE("metrics server drops a request whose body is over its limit", "[core][metrics_server]") {
  MetricsServer server(any_port(), [] { return std::string("x 1\n"); });
  CHECK(request(server.port(), http::verb::post, "/metrics", std::string(64 << 10, 'a')).status == 0);
  // It goes on serving.
  CHECK(request(server.port(), http::verb::get, "/metrics").status == 200);
}

TEST_CASE("metrics server serves while a slow client holds a connection", "[core][metrics_server]") {
  MetricsServer server(any_port(), [] { return std::string("x 1\n"); });
  asio::io_context context;
  tcp::socket idle(context);
  idle.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  asio::write(idle, asio::buffer(std::string("GET /metr")));
  CHECK(request(server.port(), http::verb::get, "/metrics").status == 200);
}

TEST_CASE("metrics server fails clearly when the port is taken", "[core][metrics_server]") {
  MetricsServer first(any_port(), [] { return std::string(); });
  MetricsAddress same;
  same.port = first.port();
  try {
    MetricsServer second(same, [] { return std::string(); });
    FAIL("the second server bound the same port");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::unavailable);
    CHECK(std::string(e.what()).find("--metrics 127.0.0.1:" + std::to_string(same.port) +
                                     ": cannot listen: ") == 0);
  }
}

} // namespace
} // namespace sluice::core
