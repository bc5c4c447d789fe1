// The demo's environment: simulated vLLM, TGI and SGLang servers on loopback and a built-in
// configuration that scrapes them with the default rule pack.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/simulator/simulator.h"

namespace inferwatch::exporter::daemon {

struct DemoEnvironment {
  std::vector<std::unique_ptr<simulator::SimulatedServer>> servers;
  config::Config config;
  std::vector<std::string> description;  // one line per simulated server
};

// The default rule pack directory (rules/pack), looked up from $INFERWATCH_SOURCE_DIR, the source
// tree the binary was built from, and the executable's location; "" when none has *.yml files.
std::string FindRulePack();

// Starts the simulated servers (ports picked free) and builds the configuration scraping them.
std::variant<DemoEnvironment, std::string> StartDemo(const std::string& rule_pack_dir);

}  // namespace inferwatch::exporter::daemon
