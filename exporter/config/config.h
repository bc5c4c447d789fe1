// The daemon's configuration file: its shape mirrors Prometheus's (global, rule_files,
// scrape_configs with static_configs and file_sd_configs), plus inferwatch's per-target facts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace inferwatch::exporter::config {

using Duration = std::chrono::milliseconds;

// Hardware and deployment facts a user states about a target; exported as llm_target_* series
// so recommendation rules can read them.
struct TargetFacts {
  std::string gpu_model;
  std::optional<double> gpu_count;
  std::optional<double> gpu_memory_bytes;
  std::optional<double> tensor_parallel_size;
  std::optional<double> model_params;
  bool empty() const {
    return gpu_model.empty() && !gpu_count && !gpu_memory_bytes && !tensor_parallel_size &&
           !model_params;
  }
  friend bool operator==(const TargetFacts&, const TargetFacts&) = default;
};

using LabelMap = std::map<std::string, std::string>;

struct StaticConfig {
  std::vector<std::string> targets;  // host:port
  LabelMap labels;
  TargetFacts facts;
};

struct FileSdConfig {
  std::vector<std::string> files;  // globs, resolved relative to the configuration file
  Duration refresh_interval{std::chrono::minutes(5)};
};

struct ScrapeConfig {
  std::string job_name;
  std::string engine = "auto";
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  bool honor_timestamps = true;
  Duration scrape_interval{0};  // 0 before defaults are applied: inherits global
  Duration scrape_timeout{0};
  std::size_t sample_limit = 0;     // 0 = unlimited
  std::size_t body_size_limit = 0;  // bytes, 0 = the parser's default limit
  std::vector<StaticConfig> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
};

struct GlobalConfig {
  Duration scrape_interval{std::chrono::seconds(15)};
  Duration scrape_timeout{std::chrono::seconds(10)};
  Duration evaluation_interval{std::chrono::seconds(15)};
};

struct StorageConfig {
  Duration retention{std::chrono::hours(1)};
  std::size_t max_points_per_series = 1024;
};

struct Config {
  std::string file;      // the path it was loaded from ("" for built-in configurations)
  std::string base_dir;  // relative paths resolve against this
  GlobalConfig global;
  StorageConfig storage;
  std::vector<std::string> rule_files;  // as written
  std::vector<ScrapeConfig> scrape_configs;

  // rule_files expanded against base_dir, sorted, duplicates removed.
  std::vector<std::string> ResolveRuleFiles() const;
};

struct ConfigError {
  std::string file;
  std::size_t line = 0;    // 1-based; 0 when unknown
  std::size_t column = 0;  // 1-based
  std::string message;
  std::string ToString() const;  // "FILE:LINE:COL: message"
};

using LoadResult = std::variant<Config, ConfigError>;

// Reads and validates a configuration file. Unknown fields are errors.
LoadResult LoadFile(const std::string& path);
// Parses configuration text; `file` names it in errors and anchors relative paths.
LoadResult LoadString(const std::string& text, const std::string& file);

// Reads a file_sd file: a JSON or YAML list of {targets, labels} groups (plus inferwatch's
// optional `facts`).
std::variant<std::vector<StaticConfig>, ConfigError> LoadTargetGroupsFile(const std::string& path);

// Prometheus duration syntax: 1h30m, 15s, 500ms, 2d, 1w, 1y.
std::optional<Duration> ParseDuration(std::string_view text);
std::string FormatDuration(Duration duration);
// Byte sizes: 1024, 10KB, 64MiB, 1GB (powers of 1024 for both spellings, as Prometheus).
std::optional<std::uint64_t> ParseByteSize(std::string_view text);

// Expands a glob relative to base_dir (absolute globs are used as written).
std::vector<std::string> ExpandGlob(const std::string& pattern, const std::string& base_dir);

}  // namespace inferwatch::exporter::config
