#include "core/metrics_server.hpp"

#include "core/error.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fmt/format.h>
#include <thread>

namespace sluice::core {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds k_client_timeout{5};
constexpr uint32_t k_header_limit = 8 << 10;
constexpr uint64_t k_body_limit = 4 << 10;
constexpr int k_max_connections = 16;
constexpr const char* k_content_type = "text/plain; version=0.0.4; charset=utf-8";

struct Shared {
  std::function<std::string()> render;
  int connections = 0; // touched only on the server thread
};

// One connection: read one request (bounded, with a deadline), answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared) : m_stream(std::move(socket)), m_shared(shared) {
    ++m_shared.connections;
    m_parser.header_limit(k_header_limit);
    m_parser.body_limit(k_body_limit);
  }
  ~Session() { --m_shared.connections; }

  void start() {
    m_stream.expires_after(k_client_timeout);
    http::async_read(m_stream, m_buffer, m_parser,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) {
      close(); // timeout, limit exceeded, garbage or the client left
      return;
    }
    const auto& request = m_parser.get();
    std::string_view target(request.target().data(), request.target().size());
    target = target.substr(0, target.find('?'));
    m_response.version(request.version());
    m_response.keep_alive(false);
    m_response.set(http::field::server, "sluice");
    bool is_get = request.method() == http::verb::get || request.method() == http::verb::head;
    if (target == "/metrics" && is_get) {
      m_response.result(http::status::ok);
      m_response.set(http::field::content_type, k_content_type);
      m_response.body() = m_shared.render();
    } else if (target == "/metrics") {
      m_response.result(http::status::method_not_allowed);
      m_response.set(http::field::allow, "GET, HEAD");
      m_response.body() = "only GET /metrics\n";
    } else {
      m_response.result(http::status::not_found);
      m_response.set(http::field::content_type, "text/plain; charset=utf-8");
      m_response.body() = "not found: try /metrics\n";
    }
    m_response.prepare_payload();
    if (request.method() == http::verb::head) {
      m_response.body().clear(); // Content-Length stays that of the GET answer
    }
    m_stream.expires_after(k_client_timeout);
    http::async_write(m_stream, m_response,
                      [self = shared_from_this()](beast::error_code, size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.close();
  }

  beast::tcp_stream m_stream;
  Shared& m_shared;
  beast::flat_buffer m_buffer{k_header_limit + k_body_limit};
  http::request_parser<http::string_body> m_parser;
  http::response<http::string_body> m_response;
};

} // namespace

struct MetricsServer::Impl {
  Shared shared; // first: the sessions the context destroys last still use it
  asio::io_context context{1};
  tcp::acceptor acceptor{context};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) {
        return;
      }
      if (!ec) {
        if (shared.connections >= k_max_connections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          std::make_shared<Session>(std::move(socket), shared)->start();
        }
      }
      accept();
    });
  }
};

MetricsServer::MetricsServer(const MetricsAddress& address, std::function<std::string()> render)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->shared.render = std::move(render);
  std::string shown = address.host.find(':') != std::string::npos
                          ? fmt::format("[{}]:{}", address.host, address.port)
                          : fmt::format("{}:{}", address.host, address.port);
  beast::error_code ec;
  tcp::resolver resolver(m_impl->context);
  auto endpoints = resolver.resolve(address.host, std::to_string(address.port),
                                    tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    throw Error(ExitCode::usage, fmt::format("--metrics {}: cannot resolve the host: {}", shown,
                                             ec ? ec.message() : "no address"));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto& acceptor = m_impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (!ec) {
    m_impl->accept();
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->context.run(); });
    return;
  }
  throw Error(ExitCode::unavailable,
              fmt::format("--metrics {}: cannot listen: {}", shown, ec.message()));
}

MetricsServer::~MetricsServer() { stop(); }

uint16_t MetricsServer::port() const {
  beast::error_code ec;
  return m_impl->acceptor.local_endpoint(ec).port();
}

void MetricsServer::stop() {
  if (m_impl->thread.joinable()) {
    m_impl->context.stop();
    m_impl->thread.join();
  }
}

} // namespace sluice::core
