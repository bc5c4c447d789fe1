#include "exporter/daemon/daemon.h"

#include "exporter/daemon/status_pages.h"
#include "exporter/engines/normalizer.h"
#include "exporter/server/exposition_writer.h"

namespace inferwatch::exporter::daemon {

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Daemon::Daemon(DaemonOptions options, log::Logger& logger)
    : options_(std::move(options)),
      logger_(logger),
      registry_(std::make_shared<prometheus::Registry>()),
      self_metrics_(*registry_) {
  scrape_metrics_ = std::make_unique<scrape::ScrapeMetrics>(*registry_);
  scrapes_ = std::make_unique<scrape::ScrapeManager>(
      store_, *scrape_metrics_, Normalizer::Builtin(), logger_,
      scrape::ScrapeManager::Options{options_.scrape_workers});
}

Daemon::~Daemon() {
  Stop();
}

std::variant<Daemon::Loaded, std::string> Daemon::Load() const {
  Loaded loaded;
  if (options_.builtin_config) {
    loaded.config = *options_.builtin_config;
  } else {
    auto result = config::LoadFile(options_.config_file);
    if (auto* error = std::get_if<config::ConfigError>(&result)) return error->ToString();
    loaded.config = std::get<config::Config>(std::move(result));
  }
  auto rules =
      LoadRuleRunner(loaded.config.ResolveRuleFiles(), loaded.config.global.evaluation_interval);
  if (auto* error = std::get_if<std::string>(&rules)) return *error;
  loaded.rules = std::get<std::unique_ptr<RuleRunner>>(std::move(rules));
  return loaded;
}

void Daemon::Apply(Loaded loaded) {
  auto discovery = std::make_unique<discovery::Discovery>(loaded.config, logger_);
  discovery->RefreshAll();
  {
    std::lock_guard lock(state_mutex_);
    config_ = std::move(loaded.config);
    discovery_ = std::move(discovery);
    store::ShortTermStore::Options store_options;
    store_options.retention = config_.storage.retention;
    store_options.max_points_per_series = config_.storage.max_points_per_series;
    store_options.lookback = std::chrono::minutes(5);
    store_options.keep_for = KeepPolicy(loaded.rules->Needs(), store_options.lookback);
    store_.SetOptions(std::move(store_options));
    std::map<std::string, bool> groups;
    for (const auto& group : loaded.rules->GroupNames()) groups[group] = true;
    self_metrics_.RetainRuleGroups(groups);
    if (rules_) rules_->Retire(NowMillis(), store_);
    rules_ = std::move(loaded.rules);
    scrapes_->SetTargets(discovery_->Targets());
  }
  loaded_ = true;
}

bool Daemon::Start(std::string& error) {
  auto loaded = Load();
  if (auto* problem = std::get_if<std::string>(&loaded)) {
    error = *problem;
    return false;
  }
  server::ServerHooks hooks;
  hooks.metrics = [this](bool openmetrics) { return RenderMetrics(openmetrics); };
  hooks.landing_page = [this] { return RenderLandingPage(); };
  hooks.targets = [this] { return TargetsJson(scrapes_->Status()); };
  hooks.ready = [this] { return Ready(); };
  hooks.reload = [this] { return Reload(); };
  server_ = std::make_unique<server::HttpServer>(options_.server, std::move(hooks));
  if (!server_->Start(error)) return false;

  Apply(std::get<Loaded>(std::move(loaded)));
  self_metrics_.RecordReload(true, static_cast<double>(NowMillis()) / 1000.0);
  scrapes_->Start();
  {
    std::lock_guard lock(loop_mutex_);
    stopping_ = false;
  }
  loop_ = std::thread([this] { BackgroundLoop(); });
  logger_.Info("inferwatch started",
               {{"version", INFERWATCH_VERSION},
                {"config", options_.builtin_config ? "built-in" : options_.config_file},
                {"listen", server_->host() + ":" + std::to_string(server_->port())}});
  return true;
}

void Daemon::Stop() {
  {
    std::lock_guard lock(loop_mutex_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (server_) server_->Stop();
  if (scrapes_) scrapes_->Stop();
}

std::string Daemon::Reload() {
  std::lock_guard reload_lock(reload_mutex_);
  auto loaded = Load();
  const double now_seconds = static_cast<double>(NowMillis()) / 1000.0;
  if (auto* problem = std::get_if<std::string>(&loaded)) {
    last_reload_ok_ = false;
    self_metrics_.RecordReload(false, now_seconds);
    logger_.Error("configuration reload failed; keeping the running configuration",
                  {{"err", *problem}});
    return *problem;
  }
  Apply(std::get<Loaded>(std::move(loaded)));
  last_reload_ok_ = true;
  self_metrics_.RecordReload(true, now_seconds);
  logger_.Info("configuration reloaded",
               {{"config", options_.builtin_config ? "built-in" : options_.config_file}});
  return "";
}

bool Daemon::Ready() const {
  return loaded_ && scrapes_->FirstRoundAttempted();
}

void Daemon::BackgroundLoop() {
  using Clock = std::chrono::steady_clock;
  auto next_compaction = Clock::now() + std::chrono::seconds(10);
  std::unique_lock lock(loop_mutex_);
  while (!stopping_) {
    loop_cv_.wait_for(lock, options_.tick, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    const auto now = Clock::now();
    {
      std::lock_guard state_lock(state_mutex_);
      if (discovery_ && discovery_->Refresh(now)) {
        scrapes_->SetTargets(discovery_->Targets());
      }
      if (rules_) rules_->EvaluateDue(NowMillis(), store_, self_metrics_, logger_);
    }
    if (now >= next_compaction) {
      const auto held = store_.Compact(NowMillis());
      self_metrics_.RecordStore(held.series, held.points);
      next_compaction = now + std::chrono::seconds(10);
    }
    lock.lock();
  }
}

std::string Daemon::RenderMetrics(bool openmetrics) const {
  std::string body;
  server::WriteRegistry(registry_->Collect(), openmetrics, body);
  server::WriteStore(store_, NowMillis(), openmetrics, body);
  if (openmetrics) body += "# EOF\n";
  return body;
}

std::string Daemon::RenderLandingPage() const {
  LandingPage page;
  page.version = INFERWATCH_VERSION;
  page.config_file = options_.builtin_config ? "" : options_.config_file;
  page.telemetry_path = options_.server.telemetry_path;
  page.last_reload_successful = last_reload_ok_;
  page.targets = scrapes_->Status();
  page.findings = ActiveFindings(store_, NowMillis());
  return daemon::RenderLandingPage(page);
}

}  // namespace inferwatch::exporter::daemon
