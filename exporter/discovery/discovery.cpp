#include "exporter/discovery/discovery.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace inferwatch::exporter::discovery {

Discovery::Discovery(const config::Config& config, log::Logger& logger)
    : config_(config), logger_(&logger) {
  for (std::size_t i = 0; i < config_.scrape_configs.size(); ++i) {
    for (const auto& file_sd : config_.scrape_configs[i].file_sd_configs) {
      file_sds_.push_back(FileSd{i, file_sd, {}, {}});
    }
  }
}

bool Discovery::Poll(FileSd& file_sd) {
  std::set<std::string> present;
  for (const auto& pattern : file_sd.config.files) {
    for (auto& path : config::ExpandGlob(pattern, config_.base_dir)) present.insert(path);
  }
  bool changed = false;
  for (auto it = file_sd.files.begin(); it != file_sd.files.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    logger_->Info("file_sd file removed", {{"file", it->first}});
    it = file_sd.files.erase(it);
    changed = true;
  }
  for (const auto& path : present) {
    std::error_code error;
    const auto mtime = std::filesystem::last_write_time(path, error);
    const auto size = error ? 0 : std::filesystem::file_size(path, error);
    if (error) continue;  // vanished between glob and stat; the next poll settles it
    auto existing = file_sd.files.find(path);
    if (existing != file_sd.files.end() && existing->second.mtime == mtime &&
        existing->second.size == size) {
      continue;
    }
    auto loaded = config::LoadTargetGroupsFile(path);
    if (auto* problem = std::get_if<config::ConfigError>(&loaded)) {
      logger_->Error("file_sd file is invalid; keeping its previous targets",
                     {{"err", problem->ToString()}});
      // Remember the stamp so a broken file is reported once, not on every poll.
      auto& watched = file_sd.files[path];
      watched.mtime = mtime;
      watched.size = size;
      continue;
    }
    auto& watched = file_sd.files[path];
    auto groups = std::get<std::vector<config::StaticConfig>>(std::move(loaded));
    watched.mtime = mtime;
    watched.size = size;
    if (watched.groups.size() != groups.size() ||
        !std::equal(groups.begin(), groups.end(), watched.groups.begin(),
                    [](const auto& a, const auto& b) {
                      return a.targets == b.targets && a.labels == b.labels && a.facts == b.facts;
                    })) {
      changed = true;
    }
    watched.groups = std::move(groups);
    logger_->Debug("file_sd file read", {{"file", path}});
  }
  return changed;
}

bool Discovery::Refresh(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  bool changed = false;
  for (auto& file_sd : file_sds_) {
    if (now < file_sd.next_poll) continue;
    file_sd.next_poll = now + file_sd.config.refresh_interval;
    changed = Poll(file_sd) || changed;
  }
  return changed;
}

bool Discovery::RefreshAll() {
  std::lock_guard lock(mutex_);
  bool changed = false;
  const auto now = std::chrono::steady_clock::now();
  for (auto& file_sd : file_sds_) {
    file_sd.next_poll = now + file_sd.config.refresh_interval;
    changed = Poll(file_sd) || changed;
  }
  return changed;
}

std::vector<Target> Discovery::Targets() const {
  std::lock_guard lock(mutex_);
  std::vector<Target> all;
  for (const auto& scrape : config_.scrape_configs) {
    for (const auto& group : scrape.static_configs) {
      auto targets = TargetsFromGroup(scrape, group);
      std::move(targets.begin(), targets.end(), std::back_inserter(all));
    }
  }
  for (const auto& file_sd : file_sds_) {
    const auto& scrape = config_.scrape_configs[file_sd.scrape_index];
    for (const auto& [path, watched] : file_sd.files) {
      for (const auto& group : watched.groups) {
        auto targets = TargetsFromGroup(scrape, group);
        std::move(targets.begin(), targets.end(), std::back_inserter(all));
      }
    }
  }
  std::vector<Target> unique;
  std::set<std::string> seen;
  for (auto& target : all) {
    if (seen.insert(target.Key()).second) unique.push_back(std::move(target));
  }
  std::sort(unique.begin(), unique.end(),
            [](const Target& a, const Target& b) { return a.Key() < b.Key(); });
  return unique;
}

std::chrono::milliseconds Discovery::PollInterval() const {
  std::lock_guard lock(mutex_);
  std::chrono::milliseconds shortest{0};
  for (const auto& file_sd : file_sds_) {
    if (shortest.count() == 0 || file_sd.config.refresh_interval < shortest) {
      shortest = file_sd.config.refresh_interval;
    }
  }
  return shortest;
}

}  // namespace inferwatch::exporter::discovery
