// A scrape target as the scrape loop sees it: where to fetch, how to read it, which labels to add.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "exporter/config/config.h"
#include "rules/storage.h"

namespace inferwatch::exporter::discovery {

struct Target {
  std::string job;
  std::string address;  // host:port, the `target` label
  std::string scheme = "http";
  std::string metrics_path = "/metrics";
  std::string engine = "auto";
  bool honor_timestamps = true;
  std::chrono::milliseconds interval{15000};
  std::chrono::milliseconds timeout{10000};
  std::size_t sample_limit = 0;
  std::size_t body_size_limit = 0;
  rules::Labels labels;  // job plus static or discovered labels (no __name__, no target)
  config::TargetFacts facts;

  // Identifies the target across reloads and discovery refreshes.
  std::string Key() const { return job + "|" + address; }
  std::string Url() const { return scheme + "://" + address + metrics_path; }
  friend bool operator==(const Target&, const Target&) = default;
};

// The targets a scrape config's static groups describe.
std::vector<Target> TargetsFromGroup(const config::ScrapeConfig& scrape,
                                     const config::StaticConfig& group);

}  // namespace inferwatch::exporter::discovery
