#include "exporter/simulator/fleet.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "exporter/simulator/dialects.h"
#include "exporter/simulator/listener.h"
#include "exporter/simulator/serving_model.h"

namespace inferwatch::exporter::simulator {
namespace {

using Clock = std::chrono::steady_clock;

// Shorter than a single server's warm-up: thousands of targets warm up one after the other at
// start, and a minute of simulated traffic already fills every series.
constexpr double kFleetWarmupSeconds = 60;
constexpr double kMaxCatchUpSeconds = 600;
// Host octets 1..250 leave .0 and .255 alone, which some tools treat as network and broadcast.
constexpr std::size_t kHostsPerBlock = 250;
constexpr std::size_t kBlocks = 256;

std::size_t CountSamples(const std::string& body) {
  std::size_t samples = 0;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    if (end > pos && body[pos] != '#') ++samples;
    pos = end + 1;
  }
  return samples;
}

bool ParseOctet(std::string_view text, std::size_t& value) {
  if (text.empty() || text.size() > 3) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value <= 255;
}

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

struct Target {
  std::mutex mutex;
  std::unique_ptr<ServingModel> model;
  Clock::time_point last_advance;
};

struct ScraperStats {
  std::vector<Clock::time_point> last;  // per target; epoch = never scraped
  std::vector<double> lateness;
  std::uint64_t scrapes = 0;
  std::uint64_t samples = 0;
  std::uint64_t bytes = 0;
};

}  // namespace

struct SimulatedFleet::Impl {
  FleetOptions options;
  const Dialect* dialect = nullptr;
  std::vector<std::unique_ptr<Target>> targets;
  std::vector<std::string> padding_prefixes;  // "<name>{series="k"} ", built once

  mutable std::mutex stats_mutex;
  std::map<std::string, ScraperStats> stats;

  httplib::Server server;
  std::thread listener;
  int port = 0;

  std::string Advance(Target& target) {
    std::lock_guard lock(target.mutex);
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - target.last_advance).count();
    const double speed = options.base.speed;
    const double simulated = std::min(elapsed * speed, kMaxCatchUpSeconds);
    const auto steps = static_cast<long>(simulated / ServingModel::kStepSeconds);
    if (steps > 0) {
      target.model->Advance(static_cast<double>(steps) * ServingModel::kStepSeconds);
      target.last_advance +=
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
              static_cast<double>(steps) * ServingModel::kStepSeconds / speed));
      if (elapsed * speed > kMaxCatchUpSeconds) target.last_advance = now;
    }
    std::string body = dialect->render(*target.model);
    if (!padding_prefixes.empty()) AppendPadding(target.model->now(), body);
    return body;
  }

  // Values follow simulated time so successive scrapes differ like real counters.
  void AppendPadding(double now, std::string& body) const {
    body += "# HELP inferwatch_sim_padding_total Filler series of a simulated fleet target.\n";
    body += "# TYPE inferwatch_sim_padding_total counter\n";
    const auto base = static_cast<std::uint64_t>(now * 10);
    std::uint64_t k = 0;
    for (const auto& prefix : padding_prefixes) {
      body += prefix;
      body += std::to_string(base + k++);
      body += '\n';
    }
  }

  void Record(const std::string& scraper, std::size_t index, Clock::time_point arrival,
              const std::string& body) {
    const std::size_t samples = CountSamples(body);
    std::lock_guard lock(stats_mutex);
    ScraperStats& s = stats[scraper];
    if (s.last.empty()) s.last.resize(targets.size());
    if (s.last[index] != Clock::time_point{}) {
      const double interval = std::chrono::duration<double>(arrival - s.last[index]).count();
      s.lateness.push_back(std::abs(interval - options.expected_interval_seconds));
    }
    s.last[index] = arrival;
    ++s.scrapes;
    s.samples += samples;
    s.bytes += body.size();
  }

  void Serve(std::size_t index, const httplib::Request& req, httplib::Response& res) {
    const Clock::time_point arrival = Clock::now();
    std::string body = Advance(*targets[index]);
    Record(ScraperName(req.get_header_value("User-Agent")), index, arrival, body);
    res.set_content(body, std::string(dialect->content_type));
  }
};

SimulatedFleet::SimulatedFleet(FleetOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->dialect = FindDialect(options.base.engine);
  if (impl_->dialect == nullptr) {
    throw std::invalid_argument("unknown engine '" + options.base.engine + "'");
  }
  const auto params = FindScenario(options.base.scenario);
  if (!params) throw std::invalid_argument("unknown scenario '" + options.base.scenario + "'");
  if (options.base.fault != "none") throw std::invalid_argument("a fleet serves no faults");
  if (!(options.base.speed > 0)) throw std::invalid_argument("speed must be positive");
  if (options.size == 0 || options.size > MaxSize()) {
    throw std::invalid_argument("fleet size must be 1.." + std::to_string(MaxSize()));
  }
  if (!(options.expected_interval_seconds > 0)) {
    throw std::invalid_argument("interval must be positive");
  }
  const LatencyBounds bounds = impl_->dialect->bounds();
  impl_->targets.reserve(options.size);
  for (std::size_t i = 0; i < options.size; ++i) {
    auto target = std::make_unique<Target>();
    target->model = std::make_unique<ServingModel>(*params, options.base.seed + i, bounds);
    target->model->Advance(kFleetWarmupSeconds);
    target->last_advance = Clock::now();
    impl_->targets.push_back(std::move(target));
  }
  for (std::size_t k = 0; k < options.padding_samples; ++k) {
    impl_->padding_prefixes.push_back("inferwatch_sim_padding_total{series=\"" + std::to_string(k) +
                                      "\"} ");
  }
  const int threads = std::max(1, options.threads);
  impl_->options = std::move(options);

  Impl* impl = impl_.get();
  impl->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Scrapers that keep connections open would pin a worker thread per target between scrapes;
  // one request per connection keeps the fleet's queueing out of the lateness it measures.
  impl->server.set_keep_alive_max_count(1);
  impl->server.Get("/metrics", [impl](const httplib::Request& req, httplib::Response& res) {
    const auto index = IndexFromHost(req.get_header_value("Host"));
    if (!index || *index >= impl->targets.size()) {
      res.status = 404;
      res.set_content("no such target: scrape 127.1.x.y addresses\n", "text/plain");
      return;
    }
    impl->Serve(*index, req, res);
  });
  impl->server.Get(
      R"(/targets/(\d+)/metrics)", [impl](const httplib::Request& req, httplib::Response& res) {
        std::size_t index = 0;
        const std::string text = req.matches[1];
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
        if (ec != std::errc() || index >= impl->targets.size()) {
          res.status = 404;
          res.set_content("no such target\n", "text/plain");
          return;
        }
        impl->Serve(index, req, res);
      });
  impl->server.Get("/stats", [this](const httplib::Request& req, httplib::Response& res) {
    res.set_content(Stats().dump(2) + "\n", "application/json");
    if (req.get_param_value("reset") == "1") ResetStats();
  });
}

SimulatedFleet::~SimulatedFleet() {
  Stop();
}

std::size_t SimulatedFleet::MaxSize() {
  return kHostsPerBlock * kBlocks;
}

std::string SimulatedFleet::TargetAddress(std::size_t index, int port) {
  return "127.1." + std::to_string(index / kHostsPerBlock) + "." +
         std::to_string(1 + index % kHostsPerBlock) + ":" + std::to_string(port);
}

std::optional<std::size_t> SimulatedFleet::IndexFromHost(std::string_view host) {
  constexpr std::string_view kPrefix = "127.1.";
  if (!host.starts_with(kPrefix)) return std::nullopt;
  host.remove_prefix(kPrefix.size());
  host = host.substr(0, host.find(':'));
  const std::size_t dot = host.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::size_t block = 0;
  std::size_t octet = 0;
  if (!ParseOctet(host.substr(0, dot), block) || !ParseOctet(host.substr(dot + 1), octet)) {
    return std::nullopt;
  }
  if (octet < 1 || octet > kHostsPerBlock) return std::nullopt;
  return block * kHostsPerBlock + (octet - 1);
}

bool SimulatedFleet::Start(const std::string& host, int port) {
  if (impl_->listener.joinable()) return false;
  const int bound = BindAndServe(impl_->server, host, port, &impl_->listener);
  if (bound == 0) return false;
  impl_->port = bound;
  return true;
}

int SimulatedFleet::port() const {
  return impl_->port;
}

void SimulatedFleet::Stop() {
  impl_->server.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

std::size_t SimulatedFleet::size() const {
  return impl_->targets.size();
}

std::string SimulatedFleet::Render(std::size_t index, const std::string& scraper) {
  if (index >= impl_->targets.size()) throw std::out_of_range("no such fleet target");
  const Clock::time_point arrival = Clock::now();
  std::string body = impl_->Advance(*impl_->targets[index]);
  if (!scraper.empty()) impl_->Record(scraper, index, arrival, body);
  return body;
}

std::string SimulatedFleet::ScraperName(std::string_view user_agent) {
  if (user_agent.starts_with("Prometheus/")) return "prometheus";
  if (user_agent.starts_with("inferwatch/")) return "inferwatch";
  return "other";
}

nlohmann::json SimulatedFleet::Stats() const {
  nlohmann::json scrapers = nlohmann::json::object();
  std::lock_guard lock(impl_->stats_mutex);
  for (const auto& [name, s] : impl_->stats) {
    std::vector<double> sorted = s.lateness;
    std::sort(sorted.begin(), sorted.end());
    // Intervals far from the expected one tell a missed or doubled scrape from mere jitter.
    const double expected = impl_->options.expected_interval_seconds;
    const auto off_by_half = static_cast<std::size_t>(std::count_if(
        sorted.begin(), sorted.end(), [&](double late) { return late > expected / 2; }));
    const auto scraped = static_cast<std::size_t>(
        std::count_if(s.last.begin(), s.last.end(),
                      [](Clock::time_point t) { return t != Clock::time_point{}; }));
    scrapers[name] = {
        {"scrapes", s.scrapes},
        {"samples", s.samples},
        {"bytes", s.bytes},
        {"targets_scraped", scraped},
        {"intervals", sorted.size()},
        {"intervals_off_by_half", off_by_half},
        {"lateness_seconds",
         {{"p50", Quantile(sorted, 0.50)},
          {"p99", Quantile(sorted, 0.99)},
          {"max", sorted.empty() ? 0.0 : sorted.back()}}},
    };
  }
  return {{"targets", impl_->targets.size()},
          {"expected_interval_seconds", impl_->options.expected_interval_seconds},
          {"scrapers", scrapers}};
}

void SimulatedFleet::ResetStats() {
  std::lock_guard lock(impl_->stats_mutex);
  for (auto& [name, s] : impl_->stats) {
    s.lateness.clear();
    s.scrapes = 0;
    s.samples = 0;
    s.bytes = 0;
  }
}

}  // namespace inferwatch::exporter::simulator
