// Target discovery: the static groups of every scrape config plus file_sd files, which are re-read
// when their modification time changes (polled every refresh_interval). A file that turns bad
// keeps its last good targets, as Prometheus does.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/discovery/target.h"
#include "exporter/log/logger.h"

namespace inferwatch::exporter::discovery {

class Discovery {
 public:
  Discovery(const config::Config& config, log::Logger& logger);

  // Polls the file_sd files that are due at `now`; returns true when the target set changed.
  bool Refresh(std::chrono::steady_clock::time_point now);
  // Polls every file_sd file now (used at start and reload).
  bool RefreshAll();

  // All targets, deduplicated by Key() (the first definition wins), sorted by key.
  std::vector<Target> Targets() const;

  // The shortest refresh_interval of the file_sd configs; zero when there are none.
  std::chrono::milliseconds PollInterval() const;

 private:
  struct WatchedFile {
    std::filesystem::file_time_type mtime{};
    std::uintmax_t size = 0;
    std::vector<config::StaticConfig> groups;  // the last good content
  };
  struct FileSd {
    std::size_t scrape_index;
    config::FileSdConfig config;
    std::chrono::steady_clock::time_point next_poll{};
    std::map<std::string, WatchedFile> files;
  };

  bool Poll(FileSd& file_sd);

  config::Config config_;
  log::Logger* logger_;
  mutable std::mutex mutex_;
  std::vector<FileSd> file_sds_;
};

}  // namespace inferwatch::exporter::discovery
