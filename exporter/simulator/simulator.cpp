#include "exporter/simulator/simulator.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "exporter/simulator/dialects.h"
#include "exporter/simulator/listener.h"
#include "exporter/simulator/serving_model.h"

namespace inferwatch::exporter::simulator {
namespace {

using Clock = std::chrono::steady_clock;

// Simulated seconds run before the first scrape and after a scenario change, so the metrics
// show the scenario's steady state at once instead of after minutes of wall time.
constexpr double kWarmupSeconds = 300;
constexpr double kScenarioSettleSeconds = 120;
// Longest catch-up per scrape; an idle server at high speed does not stall the next scrape.
constexpr double kMaxCatchUpSeconds = 600;
constexpr auto kSlowDelay = std::chrono::seconds(5);
constexpr std::size_t kGarbageBytes = 64 << 10;
constexpr std::size_t kHugeBytes = 110u << 20;

template <typename List>
bool Contains(const List& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

const std::vector<std::string>& Scenarios() {
  static const std::vector<std::string> kNames = {"healthy",       "kv-pressure",  "queue-buildup",
                                                  "prefill-bound", "decode-bound", "errors"};
  return kNames;
}

const std::vector<std::string>& Faults() {
  static const std::vector<std::string> kNames = {"none",    "slow", "hang",   "truncated",
                                                  "garbage", "huge", "http500"};
  return kNames;
}

const std::vector<std::string>& Engines() {
  static const std::vector<std::string> kNames = {"vllm", "tgi", "sglang", "triton", "llamacpp"};
  return kNames;
}

struct SimulatedServer::Impl {
  Options options;
  const Dialect* dialect = nullptr;

  std::mutex model_mutex;
  std::unique_ptr<ServingModel> model;
  Clock::time_point last_advance;

  std::mutex fault_mutex;
  std::condition_variable fault_changed;
  std::string fault;
  bool stopping = false;

  httplib::Server server;
  std::thread listener;
  std::atomic<int> port{0};

  std::string Render() {
    std::lock_guard lock(model_mutex);
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_advance).count();
    const double simulated = std::min(elapsed * options.speed, kMaxCatchUpSeconds);
    const auto steps = static_cast<long>(simulated / ServingModel::kStepSeconds);
    if (steps > 0) {
      model->Advance(static_cast<double>(steps) * ServingModel::kStepSeconds);
      // Keep the unsimulated remainder for the next scrape so time is not lost.
      last_advance += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          static_cast<double>(steps) * ServingModel::kStepSeconds / options.speed));
      if (elapsed * options.speed > kMaxCatchUpSeconds) last_advance = now;
    }
    return dialect->render(*model);
  }

  std::string CurrentFault() {
    std::lock_guard lock(fault_mutex);
    return fault;
  }

  // Waits until the server stops or the fault is no longer `held`; false when stopping.
  bool WaitWhile(const std::string& held, std::chrono::milliseconds limit) {
    std::unique_lock lock(fault_mutex);
    fault_changed.wait_for(lock, limit, [&] { return stopping || fault != held; });
    return !stopping;
  }

  void Handle(httplib::Response& res) {
    const std::string mode = CurrentFault();
    const std::string content_type(dialect->content_type);
    if (mode == "http500") {
      res.status = 500;
      res.set_content("internal server error\n", "text/plain");
      return;
    }
    if (mode == "hang") {
      // Never answers while the fault holds; Stop() or SetFault() releases it.
      while (CurrentFault() == "hang") {
        if (!WaitWhile("hang", std::chrono::milliseconds(200))) break;
      }
      res.status = 503;
      res.set_content("stopped\n", "text/plain");
      return;
    }
    if (mode == "slow") {
      if (!WaitWhile("slow", kSlowDelay)) return;
    }
    if (mode == "garbage") {
      std::mt19937_64 rng(options.seed);
      std::string body(kGarbageBytes, '\0');
      for (auto& c : body) c = static_cast<char>(rng() & 0xff);
      res.set_content(body, content_type);
      return;
    }
    if (mode == "huge") {
      // Valid lines, produced chunk by chunk, so the body is never held in memory whole.
      res.set_content_provider(
          kHugeBytes, content_type,
          [this](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            static const std::string kLine = [] {
              std::string line = "inferwatch_simulated_padding{series=\"";
              line.append(60, 'x');
              line += "\"} 1\n";
              return line;
            }();
            std::string chunk;
            const std::size_t want = std::min<std::size_t>(length, 64 << 10);
            chunk.reserve(want);
            std::size_t position = offset % kLine.size();
            while (chunk.size() < want) {
              const std::size_t take = std::min(kLine.size() - position, want - chunk.size());
              chunk.append(kLine, position, take);
              position = 0;
            }
            if (CurrentFault().empty()) return false;
            return sink.write(chunk.data(), chunk.size());
          });
      return;
    }
    std::string body = Render();
    if (mode == "truncated") {
      // Cut in the middle of a line about half-way through.
      std::size_t cut = body.size() / 2;
      const std::size_t line_end = body.find('\n', cut);
      if (line_end != std::string::npos && line_end > 0) {
        const std::size_t line_start = body.rfind('\n', line_end - 1);
        const std::size_t start = line_start == std::string::npos ? 0 : line_start + 1;
        cut = start + (line_end - start) / 2;
        if (cut == start) cut = start + 1;
      }
      body.resize(cut);
    }
    res.set_content(body, content_type);
  }
};

SimulatedServer::SimulatedServer(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->dialect = FindDialect(options.engine);
  if (impl_->dialect == nullptr) {
    throw std::invalid_argument("unknown engine '" + options.engine +
                                "' (vllm, tgi, sglang, triton, llamacpp)");
  }
  const auto params = FindScenario(options.scenario);
  if (!params) throw std::invalid_argument("unknown scenario '" + options.scenario + "'");
  if (!Contains(Faults(), options.fault)) {
    throw std::invalid_argument("unknown fault '" + options.fault + "'");
  }
  if (!(options.speed > 0)) throw std::invalid_argument("speed must be positive");
  impl_->fault = options.fault;
  impl_->model = std::make_unique<ServingModel>(*params, options.seed, impl_->dialect->bounds());
  impl_->model->Advance(kWarmupSeconds);
  impl_->last_advance = Clock::now();
  impl_->options = std::move(options);
  impl_->server.Get(
      "/metrics", [this](const httplib::Request&, httplib::Response& res) { impl_->Handle(res); });
}

SimulatedServer::~SimulatedServer() {
  Stop();
}

bool SimulatedServer::Start(const std::string& host, int port) {
  if (impl_->listener.joinable()) return false;
  const int bound = BindAndServe(impl_->server, host, port, &impl_->listener);
  if (bound == 0) return false;
  impl_->port = bound;
  return true;
}

int SimulatedServer::port() const {
  return impl_->port;
}

void SimulatedServer::Stop() {
  {
    std::lock_guard lock(impl_->fault_mutex);
    impl_->stopping = true;
    impl_->fault.clear();  // also ends a huge body in flight
  }
  impl_->fault_changed.notify_all();
  impl_->server.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

void SimulatedServer::SetScenario(const std::string& scenario) {
  const auto params = FindScenario(scenario);
  if (!params) throw std::invalid_argument("unknown scenario '" + scenario + "'");
  std::lock_guard lock(impl_->model_mutex);
  impl_->model->SetParams(*params);
  impl_->model->Advance(kScenarioSettleSeconds);
  impl_->options.scenario = scenario;
}

void SimulatedServer::SetFault(const std::string& fault) {
  if (!Contains(Faults(), fault)) throw std::invalid_argument("unknown fault '" + fault + "'");
  {
    std::lock_guard lock(impl_->fault_mutex);
    if (impl_->stopping) return;
    impl_->fault = fault;
  }
  impl_->fault_changed.notify_all();
}

std::string SimulatedServer::RenderMetrics() {
  return impl_->Render();
}

}  // namespace inferwatch::exporter::simulator
