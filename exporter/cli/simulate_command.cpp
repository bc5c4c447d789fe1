// inferwatch simulate --engine=E --scenario=S --listen=HOST:PORT [--fault=F] [--seed=N]
// [--speed=X]: one simulated inference server until SIGINT/SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "exporter/cli/commands.h"
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
      << "] [--seed=N] [--speed=X]\n";
}

}  // namespace

int RunSimulate(const Args& args) {
  exporter::simulator::Options options;
  std::string listen;
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
