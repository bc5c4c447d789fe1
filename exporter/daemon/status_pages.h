// What the landing page and /api/v1/targets show: target health and the active findings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exporter/scrape/scrape_manager.h"
#include "exporter/store/short_term_store.h"

namespace inferwatch::exporter::daemon {

// A rule output worth showing: a holding bottleneck or a standing recommendation.
struct Finding {
  std::string kind;  // "bottleneck" | "recommendation"
  std::string target;
  std::string name;
  std::string detail;  // severity, or parameter current -> suggested
};

// llm_bottleneck_active == 1 and llm_recommendation_info series current at now_ms.
std::vector<Finding> ActiveFindings(const store::ShortTermStore& store, std::int64_t now_ms);

nlohmann::json TargetsJson(const std::vector<scrape::TargetStatus>& targets);

struct LandingPage {
  std::string version;
  std::string config_file;
  std::string telemetry_path;
  bool last_reload_successful = true;
  std::vector<scrape::TargetStatus> targets;
  std::vector<Finding> findings;
};
std::string RenderLandingPage(const LandingPage& page);

}  // namespace inferwatch::exporter::daemon
