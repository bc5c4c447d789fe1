#include "exporter/server/http_server.h"

#include <httplib.h>

#include <charconv>

#include "exporter/server/exposition_writer.h"

namespace inferwatch::exporter::server {

bool ParseListenAddress(const std::string& address, std::string& host, int& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  const std::string port_text = address.substr(colon + 1);
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  return error == std::errc() && end == port_text.data() + port_text.size() && port >= 0 &&
         port <= 65535 && !port_text.empty();
}

HttpServer::HttpServer(ServerOptions options, ServerHooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)) {}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::Install() {
  auto& server = *server_;
  server.Get(options_.telemetry_path, [this](const httplib::Request& request,
                                             httplib::Response& response) {
    const bool openmetrics = WantsOpenMetrics(request.get_header_value("Accept"));
    response.set_content(hooks_.metrics(openmetrics),
                         std::string(openmetrics ? kOpenMetricsContentType : kTextContentType));
  });
  server.Get("/", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(hooks_.landing_page(), "text/html; charset=utf-8");
  });
  server.Get("/-/healthy", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("inferwatch is Healthy.\n", "text/plain; charset=utf-8");
  });
  server.Get("/-/ready", [this](const httplib::Request&, httplib::Response& response) {
    if (hooks_.ready()) {
      response.set_content("inferwatch is Ready.\n", "text/plain; charset=utf-8");
    } else {
      response.status = 503;
      response.set_content("inferwatch is not ready yet.\n", "text/plain; charset=utf-8");
    }
  });
  auto reload = [this](const httplib::Request&, httplib::Response& response) {
    if (!options_.enable_lifecycle) {
      response.status = 403;
      response.set_content("Lifecycle API is not enabled (start with --web.enable-lifecycle).\n",
                           "text/plain; charset=utf-8");
      return;
    }
    const std::string problem = hooks_.reload();
    if (!problem.empty()) {
      response.status = 500;
      response.set_content("failed to reload config: " + problem + "\n",
                           "text/plain; charset=utf-8");
      return;
    }
    response.set_content("", "text/plain; charset=utf-8");
  };
  server.Post("/-/reload", reload);
  server.Put("/-/reload", reload);
  // As Prometheus answers a GET of its reload endpoint: the method, not the path, is wrong.
  server.Get("/-/reload", [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "POST, PUT");
    response.set_content("Only POST or PUT requests allowed.\n", "text/plain; charset=utf-8");
  });
  server.Get("/api/v1/targets", [this](const httplib::Request&, httplib::Response& response) {
    const nlohmann::json body = {{"status", "success"}, {"data", hooks_.targets()}};
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/json");
  });
}

bool HttpServer::Start(std::string& error) {
  if (!ParseListenAddress(options_.listen_address, host_, port_)) {
    error = "invalid listen address \"" + options_.listen_address + "\" (expected HOST:PORT)";
    return false;
  }
  server_ = std::make_unique<httplib::Server>();
  // cpp-httplib's default also sets SO_REUSEPORT, with which a second inferwatch on the same
  // address starts without error and the kernel splits the scrapes between the two. Only
  // SO_REUSEADDR: a restart can bind at once, a port in use is refused.
  server_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  Install();
  if (port_ == 0) {
    port_ = server_->bind_to_any_port(host_);
    if (port_ < 0) {
      error = "cannot bind " + options_.listen_address;
      return false;
    }
  } else if (!server_->bind_to_port(host_, port_)) {
    error = "cannot bind " + options_.listen_address + " (address in use or not local)";
    return false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace inferwatch::exporter::server
