#include "exporter/discovery/target.h"

namespace inferwatch::exporter::discovery {

std::vector<Target> TargetsFromGroup(const config::ScrapeConfig& scrape,
                                     const config::StaticConfig& group) {
  std::vector<Target> out;
  out.reserve(group.targets.size());
  for (const auto& address : group.targets) {
    Target target;
    target.job = scrape.job_name;
    target.address = address;
    target.scheme = scrape.scheme;
    target.metrics_path = scrape.metrics_path;
    target.engine = scrape.engine;
    target.honor_timestamps = scrape.honor_timestamps;
    target.interval = scrape.scrape_interval;
    target.timeout = scrape.scrape_timeout;
    target.sample_limit = scrape.sample_limit;
    target.body_size_limit = scrape.body_size_limit;
    std::vector<rules::Labels::Pair> pairs(group.labels.begin(), group.labels.end());
    pairs.emplace_back("job", scrape.job_name);  // a static `job` label cannot override it
    target.labels = rules::Labels(pairs);
    target.facts = group.facts;
    out.push_back(std::move(target));
  }
  return out;
}

}  // namespace inferwatch::exporter::discovery
