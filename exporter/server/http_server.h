// The daemon's HTTP endpoints on cpp-httplib: /metrics (or the configured telemetry path), the
// landing page, /-/healthy, /-/ready, /-/reload and /api/v1/targets. What they show comes from
// the hooks, so the server knows nothing about scraping or rules.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace inferwatch::exporter::server {

struct ServerHooks {
  std::function<std::string(bool openmetrics)> metrics;  // the /metrics body
  std::function<std::string()> landing_page;             // HTML
  std::function<nlohmann::json()> targets;               // the data of /api/v1/targets
  std::function<bool()> ready;
  // Reloads the configuration; returns "" on success, else the reason it failed.
  std::function<std::string()> reload;
};

struct ServerOptions {
  std::string listen_address = "0.0.0.0:9464";  // HOST:PORT, ":PORT" for all interfaces
  std::string telemetry_path = "/metrics";
  bool enable_lifecycle = false;
};

// Splits HOST:PORT (":PORT" means 0.0.0.0; [v6]:PORT accepted); false when malformed.
bool ParseListenAddress(const std::string& address, std::string& host, int& port);

class HttpServer {
 public:
  HttpServer(ServerOptions options, ServerHooks hooks);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and serves in a background thread; on failure returns false with the cause in error.
  bool Start(std::string& error);
  void Stop();
  int port() const { return port_; }
  const std::string& host() const { return host_; }

 private:
  void Install();

  ServerOptions options_;
  ServerHooks hooks_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace inferwatch::exporter::server
