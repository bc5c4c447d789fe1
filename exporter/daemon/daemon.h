// The exporter daemon: ties configuration, discovery, the scrape loop, the short-term store, rule
// evaluation and the HTTP server together, and reloads them as one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "exporter/config/config.h"
#include "exporter/daemon/rule_runner.h"
#include "exporter/daemon/self_metrics.h"
#include "exporter/discovery/discovery.h"
#include "exporter/log/logger.h"
#include "exporter/scrape/scrape_manager.h"
#include "exporter/server/http_server.h"
#include "exporter/store/short_term_store.h"

namespace inferwatch::exporter::daemon {

struct DaemonOptions {
  std::string config_file;                       // read at start and on every reload
  std::optional<config::Config> builtin_config;  // used instead of a file (the demo)
  server::ServerOptions server;
  std::size_t scrape_workers = 16;
  // How often discovery, rule scheduling and store compaction are looked at.
  std::chrono::milliseconds tick{100};
};

class Daemon {
 public:
  Daemon(DaemonOptions options, log::Logger& logger);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads the configuration and starts everything; false with the cause in `error` when the
  // configuration is invalid or the listen address cannot be bound.
  bool Start(std::string& error);
  void Stop();

  // Re-reads the configuration (and rule files); all or nothing. Returns "" on success, else why
  // it failed, in which case the running configuration stays.
  std::string Reload();

  bool Ready() const;
  int port() const { return server_ ? server_->port() : 0; }
  std::string RenderMetrics(bool openmetrics) const;
  std::string RenderLandingPage() const;

  store::ShortTermStore& store() { return store_; }
  scrape::ScrapeManager& scrapes() { return *scrapes_; }

 private:
  struct Loaded {
    config::Config config;
    std::unique_ptr<RuleRunner> rules;
  };
  std::variant<Loaded, std::string> Load() const;
  void Apply(Loaded loaded);
  void BackgroundLoop();

  DaemonOptions options_;
  log::Logger& logger_;
  std::shared_ptr<prometheus::Registry> registry_;
  SelfMetrics self_metrics_;
  store::ShortTermStore store_;
  std::unique_ptr<scrape::ScrapeMetrics> scrape_metrics_;
  std::unique_ptr<scrape::ScrapeManager> scrapes_;
  std::unique_ptr<server::HttpServer> server_;

  std::mutex reload_mutex_;  // one reload at a time (SIGHUP and /-/reload may race)
  mutable std::mutex state_mutex_;
  config::Config config_;
  std::unique_ptr<discovery::Discovery> discovery_;
  std::unique_ptr<RuleRunner> rules_;
  std::atomic<bool> last_reload_ok_{true};
  std::atomic<bool> loaded_{false};

  std::mutex loop_mutex_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  std::thread loop_;
};

// Wall-clock time in milliseconds since the epoch.
std::int64_t NowMillis();

}  // namespace inferwatch::exporter::daemon
