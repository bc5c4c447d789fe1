// inferwatch simulate --engine=E --scenario=S --listen=HOST:PORT [--fault=F] [--seed=N]
// [--speed=X]: one simulated inference server until SIGINT/SIGTERM.
// With --fleet=N: N servers on one port for scrape benchmarks (exporter/simulator/fleet.h).
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "exporter/cli/commands.h"
#include "exporter/simulator/fleet.h"
#include "exporter/simulator/simulator.h"

namespace inferwatch::cli {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void OnStopSignal(int /*signal*/) {
  g_stop_requested = true;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : "|") + name;
  return out;
}

void PrintUsage(std::ostream& out) {
  using exporter::simulator::Engines;
  using exporter::simulator::Faults;
  using exporter::simulator::Scenarios;
  out << "usage: inferwatch simulate --engine=" << JoinNames(Engines())
      << " --scenario=" << JoinNames(Scenarios()) << " --listen=HOST:PORT\n"
      << "                           [--fault=" << JoinNames(Faults())
      << "] [--seed=N] [--speed=X]\n"
      << "       inferwatch simulate --fleet=N [--interval=SECONDS] [--sd-file=PATH] ...\n"
      << "  --fleet=N        N servers (seeds seed..seed+N-1) on one port; target i answers as\n"
      << "                   127.1.<i/250>.<1+i%250>:PORT/metrics and at /targets/<i>/metrics;\n"
      << "                   GET /stats gives scrapes, samples and lateness per scraper\n"
      << "  --interval=S     the scrape interval lateness is measured against (default 15)\n"
      << "  --padding=K      K extra counter samples per target (inferwatch_sim_padding_total)\n"
      << "  --sd-file=PATH   write the targets as a Prometheus file_sd JSON file\n";
}

int RunFleet(const exporter::simulator::Options& options, std::size_t size, double interval,
             std::size_t padding, const std::string& sd_file, const std::string& host, int port) {
  using exporter::simulator::SimulatedFleet;
  exporter::simulator::FleetOptions fleet_options;
  fleet_options.size = size;
  fleet_options.base = options;
  fleet_options.expected_interval_seconds = interval;
  fleet_options.padding_samples = padding;
  std::optional<SimulatedFleet> fleet;
  try {
    fleet.emplace(fleet_options);
  } catch (const std::invalid_argument& e) {
    std::cerr << "inferwatch simulate: " << e.what() << "\n";
    return 2;
  }
  if (!fleet->Start(host, port)) {
    std::cerr << "inferwatch simulate: cannot listen on " << host << ":" << port << "\n";
    return 2;
  }
  if (!sd_file.empty()) {
    nlohmann::json targets = nlohmann::json::array();
    for (std::size_t i = 0; i < size; ++i) {
      targets.push_back(SimulatedFleet::TargetAddress(i, fleet->port()));
    }
    nlohmann::json group = nlohmann::json::object();
    group["targets"] = std::move(targets);
    nlohmann::json groups = nlohmann::json::array();
    groups.push_back(std::move(group));
    std::ofstream out(sd_file);
    out << groups.dump() << "\n";
    if (!out) {
      std::cerr << "inferwatch simulate: cannot write " << sd_file << "\n";
      return 2;
    }
  }
  std::cout << "simulated fleet of " << size << " " << options.engine << " servers ("
            << options.scenario << ", speed=" << options.speed << ") on port " << fleet->port()
            << ": " << SimulatedFleet::TargetAddress(0, fleet->port()) << " .. "
            << SimulatedFleet::TargetAddress(size - 1, fleet->port()) << ", stats at http://"
            << host << ":" << fleet->port() << "/stats" << std::endl;
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  while (!g_stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  fleet->Stop();
  return 0;
}

}  // namespace

int RunSimulate(const Args& args) {
  exporter::simulator::Options options;
  std::string listen;
  std::size_t fleet_size = 0;
  double interval = 15;
  std::size_t padding = 0;
  std::string sd_file;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      PrintUsage(std::cout);
      return 0;
    }
    const std::size_t eq = arg.find('=');
    std::string key = arg.substr(0, eq);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      std::cerr << "inferwatch simulate: " << arg << " needs a value\n";
      PrintUsage(std::cerr);
      return 2;
    }
    try {
      if (key == "--engine") {
        options.engine = value;
      } else if (key == "--scenario") {
        options.scenario = value;
      } else if (key == "--fault") {
        options.fault = value;
      } else if (key == "--listen") {
        listen = value;
      } else if (key == "--seed") {
        options.seed = std::stoull(value);
      } else if (key == "--speed") {
        options.speed = std::stod(value);
      } else if (key == "--fleet") {
        fleet_size = std::stoull(value);
        if (fleet_size == 0) throw std::invalid_argument("fleet");
      } else if (key == "--interval") {
        interval = std::stod(value);
        if (!(interval > 0)) throw std::invalid_argument("interval");
      } else if (key == "--padding") {
        padding = std::stoull(value);
      } else if (key == "--sd-file") {
        sd_file = value;
      } else {
        std::cerr << "inferwatch simulate: unknown flag " << key << "\n";
        PrintUsage(std::cerr);
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "inferwatch simulate: bad value for " << key << ": '" << value << "'\n";
      return 2;
    }
  }
  const std::size_t colon = listen.rfind(':');
  if (listen.empty() || colon == std::string::npos) {
    std::cerr << "inferwatch simulate: --listen=HOST:PORT is required\n";
    PrintUsage(std::cerr);
    return 2;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    std::cerr << "inferwatch simulate: bad port in --listen=" << listen << "\n";
    return 2;
  }

  if (fleet_size > 0) return RunFleet(options, fleet_size, interval, padding, sd_file, host, port);

  std::optional<exporter::simulator::SimulatedServer> server;
  try {
    server.emplace(options);
  } catch (const std::invalid_argument& e) {
    std::cerr << "inferwatch simulate: " << e.what() << "\n";
    PrintUsage(std::cerr);
    return 2;
  }
  if (!server->Start(host, port)) {
    std::cerr << "inferwatch simulate: cannot listen on " << listen << "\n";
    return 2;
  }
  std::cout << "simulated " << options.engine << " (" << options.scenario
            << ", fault=" << options.fault << ", speed=" << options.speed << ") serving http://"
            << host << ":" << server->port() << "/metrics" << std::endl;

  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  while (!g_stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->Stop();
  return 0;
}

}  // namespace inferwatch::cli
