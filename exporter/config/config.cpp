#include "exporter/config/config.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace inferwatch::exporter::config {
namespace {

constexpr std::string_view kEngines[] = {"auto",   "vllm",     "tgi", "sglang",
                                         "triton", "llamacpp", "dcgm"};

// Raised while walking the document; carries the node whose content is wrong.
struct FieldError {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& node, std::string message) {
  throw FieldError{node.Mark(), std::move(message)};
}

void RequireMap(const YAML::Node& node, std::string_view field) {
  if (!node.IsMap()) Fail(node, fmt::format("{}: expected a mapping", field));
}

// Rejects keys the schema does not know, so typos do not silently fall back to defaults.
void CheckKeys(const YAML::Node& node, std::string_view context,
               std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Fail(entry.first, context.empty() ? fmt::format("unknown field \"{}\"", key)
                                        : fmt::format("{}: unknown field \"{}\"", context, key));
    }
  }
}

std::string ReadString(const YAML::Node& node, std::string_view field) {
  if (!node.IsScalar()) Fail(node, fmt::format("{}: expected a string", field));
  return node.Scalar();
}

bool ReadBool(const YAML::Node& node, std::string_view field) {
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  if (text == "true") return true;
  if (text == "false") return false;
  Fail(node, fmt::format("{}: expected true or false", field));
}

Duration ReadDuration(const YAML::Node& node, std::string_view field) {
  if (node.IsScalar()) {
    if (auto duration = ParseDuration(node.Scalar())) return *duration;
  }
  Fail(node, fmt::format("{}: invalid duration \"{}\" (expected e.g. 15s, 1m30s, 500ms)", field,
                         node.IsScalar() ? node.Scalar() : ""));
}

double ReadNumber(const YAML::Node& node, std::string_view field) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size() && value >= 0) return value;
  }
  Fail(node, fmt::format("{}: expected a non-negative number", field));
}

std::uint64_t ReadByteSize(const YAML::Node& node, std::string_view field) {
  if (node.IsScalar()) {
    if (auto size = ParseByteSize(node.Scalar())) return *size;
  }
  Fail(node, fmt::format("{}: invalid size \"{}\" (expected e.g. 10MB, 512KiB, 1048576)", field,
                         node.IsScalar() ? node.Scalar() : ""));
}

std::vector<std::string> ReadStringList(const YAML::Node& node, std::string_view field) {
  if (!node.IsSequence()) Fail(node, fmt::format("{}: expected a list", field));
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(ReadString(item, field));
  return out;
}

bool ValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
                    (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

LabelMap ReadLabels(const YAML::Node& node, std::string_view field) {
  RequireMap(node, field);
  LabelMap labels;
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    if (!ValidLabelName(name) || name.starts_with("__")) {
      Fail(entry.first, fmt::format("{}: invalid label name \"{}\"", field, name));
    }
    labels[name] = ReadString(entry.second, fmt::format("{}.{}", field, name));
  }
  return labels;
}

// host:port, as Prometheus targets are written (an IPv6 host in brackets).
bool ValidTarget(std::string_view target) {
  const auto colon = target.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view port = target.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  int value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value <= 0 || value > 65535) {
    return false;
  }
  const std::string_view host = target.substr(0, colon);
  return host.find_first_of(" /\t") == std::string_view::npos;
}

TargetFacts ReadFacts(const YAML::Node& node) {
  RequireMap(node, "facts");
  CheckKeys(node, "facts",
            {"gpu_model", "gpu_count", "gpu_memory_bytes", "tensor_parallel_size", "model_params"});
  TargetFacts facts;
  if (auto n = node["gpu_model"]) facts.gpu_model = ReadString(n, "facts.gpu_model");
  if (auto n = node["gpu_count"]) facts.gpu_count = ReadNumber(n, "facts.gpu_count");
  if (auto n = node["gpu_memory_bytes"]) {
    facts.gpu_memory_bytes = static_cast<double>(ReadByteSize(n, "facts.gpu_memory_bytes"));
  }
  if (auto n = node["tensor_parallel_size"]) {
    facts.tensor_parallel_size = ReadNumber(n, "facts.tensor_parallel_size");
  }
  if (auto n = node["model_params"]) facts.model_params = ReadNumber(n, "facts.model_params");
  return facts;
}

StaticConfig ReadStaticConfig(const YAML::Node& node, std::string_view context) {
  RequireMap(node, context);
  CheckKeys(node, context, {"targets", "labels", "facts"});
  StaticConfig out;
  const std::string targets_field = fmt::format("{}.targets", context);
  if (auto n = node["targets"]) {
    out.targets = ReadStringList(n, targets_field);
    for (std::size_t i = 0; i < out.targets.size(); ++i) {
      if (!ValidTarget(out.targets[i])) {
        Fail(n[i], fmt::format("{}: \"{}\" is not host:port", targets_field, out.targets[i]));
      }
    }
  }
  if (auto n = node["labels"]) out.labels = ReadLabels(n, fmt::format("{}.labels", context));
  if (auto n = node["facts"]) out.facts = ReadFacts(n);
  return out;
}

FileSdConfig ReadFileSdConfig(const YAML::Node& node) {
  RequireMap(node, "file_sd_configs");
  CheckKeys(node, "file_sd_configs", {"files", "refresh_interval"});
  FileSdConfig out;
  auto files = node["files"];
  if (!files) Fail(node, "file_sd_configs: missing field \"files\"");
  out.files = ReadStringList(files, "file_sd_configs.files");
  if (auto n = node["refresh_interval"]) {
    out.refresh_interval = ReadDuration(n, "file_sd_configs.refresh_interval");
    if (out.refresh_interval.count() <= 0) {
      Fail(n, "file_sd_configs.refresh_interval: must be positive");
    }
  }
  return out;
}

ScrapeConfig ReadScrapeConfig(const YAML::Node& node, const GlobalConfig& global) {
  RequireMap(node, "scrape_configs");
  CheckKeys(
      node, "scrape_configs",
      {"job_name", "engine", "metrics_path", "scheme", "honor_timestamps", "scrape_interval",
       "scrape_timeout", "sample_limit", "body_size_limit", "static_configs", "file_sd_configs"});
  ScrapeConfig out;
  auto job = node["job_name"];
  if (!job) Fail(node, "scrape_configs: missing field \"job_name\"");
  out.job_name = ReadString(job, "job_name");
  if (out.job_name.empty()) Fail(job, "job_name: must not be empty");
  if (auto n = node["engine"]) {
    out.engine = ReadString(n, "engine");
    if (std::find(std::begin(kEngines), std::end(kEngines), out.engine) == std::end(kEngines)) {
      Fail(n, fmt::format("engine: unknown engine \"{}\" (expected one of auto, vllm, tgi, "
                          "sglang, triton, llamacpp, dcgm)",
                          out.engine));
    }
  }
  if (auto n = node["metrics_path"]) {
    out.metrics_path = ReadString(n, "metrics_path");
    if (!out.metrics_path.starts_with('/')) Fail(n, "metrics_path: must start with \"/\"");
  }
  if (auto n = node["scheme"]) {
    out.scheme = ReadString(n, "scheme");
    if (out.scheme != "http" && out.scheme != "https") {
      Fail(n, fmt::format("scheme: expected http or https, got \"{}\"", out.scheme));
    }
  }
  if (auto n = node["honor_timestamps"]) out.honor_timestamps = ReadBool(n, "honor_timestamps");
  out.scrape_interval = global.scrape_interval;
  out.scrape_timeout = global.scrape_timeout;
  if (auto n = node["scrape_interval"]) {
    out.scrape_interval = ReadDuration(n, "scrape_interval");
    if (out.scrape_interval.count() <= 0) Fail(n, "scrape_interval: must be positive");
  }
  if (auto n = node["scrape_timeout"]) {
    out.scrape_timeout = ReadDuration(n, "scrape_timeout");
    if (out.scrape_timeout.count() <= 0) Fail(n, "scrape_timeout: must be positive");
  } else if (out.scrape_timeout > out.scrape_interval) {
    // Prometheus clamps an inherited timeout to a shorter job interval.
    out.scrape_timeout = out.scrape_interval;
  }
  if (out.scrape_timeout > out.scrape_interval) {
    Fail(node["scrape_timeout"] ? node["scrape_timeout"] : node,
         fmt::format("scrape_timeout: {} is longer than scrape_interval {}",
                     FormatDuration(out.scrape_timeout), FormatDuration(out.scrape_interval)));
  }
  if (auto n = node["sample_limit"]) {
    out.sample_limit = static_cast<std::size_t>(ReadNumber(n, "sample_limit"));
  }
  if (auto n = node["body_size_limit"]) {
    out.body_size_limit = ReadByteSize(n, "body_size_limit");
  }
  if (auto n = node["static_configs"]) {
    if (!n.IsSequence()) Fail(n, "static_configs: expected a list");
    for (const auto& item : n)
      out.static_configs.push_back(ReadStaticConfig(item, "static_configs"));
  }
  if (auto n = node["file_sd_configs"]) {
    if (!n.IsSequence()) Fail(n, "file_sd_configs: expected a list");
    for (const auto& item : n) out.file_sd_configs.push_back(ReadFileSdConfig(item));
  }
  return out;
}

GlobalConfig ReadGlobal(const YAML::Node& node) {
  RequireMap(node, "global");
  CheckKeys(node, "global", {"scrape_interval", "scrape_timeout", "evaluation_interval"});
  GlobalConfig out;
  if (auto n = node["scrape_interval"]) {
    out.scrape_interval = ReadDuration(n, "global.scrape_interval");
    if (out.scrape_interval.count() <= 0) Fail(n, "global.scrape_interval: must be positive");
  }
  if (auto n = node["scrape_timeout"]) {
    out.scrape_timeout = ReadDuration(n, "global.scrape_timeout");
    if (out.scrape_timeout.count() <= 0) Fail(n, "global.scrape_timeout: must be positive");
    if (out.scrape_timeout > out.scrape_interval) {
      Fail(n, fmt::format("global.scrape_timeout: {} is longer than global.scrape_interval {}",
                          FormatDuration(out.scrape_timeout), FormatDuration(out.scrape_interval)));
    }
  } else if (out.scrape_timeout > out.scrape_interval) {
    out.scrape_timeout = out.scrape_interval;
  }
  if (auto n = node["evaluation_interval"]) {
    out.evaluation_interval = ReadDuration(n, "global.evaluation_interval");
    if (out.evaluation_interval.count() <= 0) {
      Fail(n, "global.evaluation_interval: must be positive");
    }
  }
  return out;
}

StorageConfig ReadStorage(const YAML::Node& node) {
  RequireMap(node, "storage");
  CheckKeys(node, "storage", {"retention", "max_points_per_series"});
  StorageConfig out;
  if (auto n = node["retention"]) {
    out.retention = ReadDuration(n, "storage.retention");
    if (out.retention.count() <= 0) Fail(n, "storage.retention: must be positive");
  }
  if (auto n = node["max_points_per_series"]) {
    out.max_points_per_series =
        static_cast<std::size_t>(ReadNumber(n, "storage.max_points_per_series"));
    if (out.max_points_per_series < 2) Fail(n, "storage.max_points_per_series: must be >= 2");
  }
  return out;
}

Config ReadConfig(const YAML::Node& root) {
  Config config;
  if (root.IsNull()) return config;
  RequireMap(root, "configuration");
  CheckKeys(root, "", {"global", "rule_files", "scrape_configs", "storage"});
  if (auto n = root["global"]) config.global = ReadGlobal(n);
  if (auto n = root["storage"]) config.storage = ReadStorage(n);
  if (auto n = root["rule_files"]) config.rule_files = ReadStringList(n, "rule_files");
  if (auto n = root["scrape_configs"]) {
    if (!n.IsSequence()) Fail(n, "scrape_configs: expected a list");
    std::set<std::string> jobs;
    for (const auto& item : n) {
      ScrapeConfig scrape = ReadScrapeConfig(item, config.global);
      if (!jobs.insert(scrape.job_name).second) {
        Fail(item["job_name"], fmt::format("job_name: duplicate job \"{}\"", scrape.job_name));
      }
      config.scrape_configs.push_back(std::move(scrape));
    }
  }
  return config;
}

ConfigError ErrorAt(const std::string& file, const YAML::Mark& mark, std::string message) {
  ConfigError error;
  error.file = file;
  if (!mark.is_null()) {
    error.line = static_cast<std::size_t>(mark.line) + 1;
    error.column = static_cast<std::size_t>(mark.column) + 1;
  }
  error.message = std::move(message);
  return error;
}

std::string BaseDirOf(const std::string& file) {
  std::filesystem::path dir = std::filesystem::path(file).parent_path().lexically_normal();
  if (dir.empty()) dir = std::filesystem::current_path();
  return dir.string();
}

}  // namespace

std::string ConfigError::ToString() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

LoadResult LoadString(const std::string& text, const std::string& file) {
  try {
    const YAML::Node root = YAML::Load(text);
    Config config = ReadConfig(root);
    config.file = file;
    config.base_dir = BaseDirOf(file);
    return config;
  } catch (const FieldError& error) {
    return ErrorAt(file, error.mark, error.message);
  } catch (const YAML::Exception& error) {
    return ErrorAt(file, error.mark, fmt::format("invalid YAML: {}", error.msg));
  }
}

LoadResult LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path, 0, 0, "cannot open the configuration file"};
  std::ostringstream text;
  text << in.rdbuf();
  return LoadString(text.str(), path);
}

std::variant<std::vector<StaticConfig>, ConfigError> LoadTargetGroupsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path, 0, 0, "cannot open the file_sd file"};
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const YAML::Node root = YAML::Load(text.str());
    std::vector<StaticConfig> groups;
    if (root.IsNull()) return groups;
    if (!root.IsSequence()) Fail(root, "file_sd: expected a list of {targets, labels} groups");
    for (const auto& item : root) groups.push_back(ReadStaticConfig(item, "file_sd"));
    return groups;
  } catch (const FieldError& error) {
    return ErrorAt(path, error.mark, error.message);
  } catch (const YAML::Exception& error) {
    return ErrorAt(path, error.mark, fmt::format("invalid YAML/JSON: {}", error.msg));
  }
}

std::vector<std::string> Config::ResolveRuleFiles() const {
  std::set<std::string> files;
  for (const auto& pattern : rule_files) {
    for (auto& path : ExpandGlob(pattern, base_dir)) files.insert(std::move(path));
  }
  return {files.begin(), files.end()};
}

std::vector<std::string> ExpandGlob(const std::string& pattern, const std::string& base_dir) {
  const std::filesystem::path path(pattern);
  const std::string full =
      path.is_absolute() ? pattern : (std::filesystem::path(base_dir) / path).string();
  glob_t matches{};
  std::vector<std::string> out;
  if (glob(full.c_str(), 0, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) out.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  return out;
}

std::optional<Duration> ParseDuration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    std::int64_t ms;
  };
  // Longest suffix first so "ms" is not read as "m" followed by junk.
  static constexpr Unit kUnits[] = {{"ms", 1},
                                    {"y", 365LL * 24 * 3600 * 1000},
                                    {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},
                                    {"h", 3600LL * 1000},
                                    {"m", 60LL * 1000},
                                    {"s", 1000}};
  if (text.empty()) return std::nullopt;
  if (text == "0") return Duration(0);
  std::int64_t total = 0;
  std::size_t last_unit = 0;  // units must appear in decreasing order, each once
  bool first = true;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    if (digits == 0 || digits > 12) return std::nullopt;
    std::int64_t number = 0;
    std::from_chars(text.data(), text.data() + digits, number);
    text.remove_prefix(digits);
    std::size_t unit_index = 0;
    bool found = false;
    for (; unit_index < std::size(kUnits); ++unit_index) {
      if (text.starts_with(kUnits[unit_index].suffix)) {
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
    // Order in Prometheus: y w d h m s ms.
    static constexpr std::size_t kRank[] = {6, 0, 1, 2, 3, 4, 5};
    const std::size_t rank = kRank[unit_index];
    if (!first && rank <= last_unit) return std::nullopt;
    first = false;
    last_unit = rank;
    total += number * kUnits[unit_index].ms;
    text.remove_prefix(kUnits[unit_index].suffix.size());
  }
  return Duration(total);
}

std::string FormatDuration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  const std::pair<std::int64_t, const char*> units[] = {
      {3600LL * 1000, "h"}, {60LL * 1000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, suffix] : units) {
    if (ms >= size) {
      out += fmt::format("{}{}", ms / size, suffix);
      ms %= size;
    }
  }
  return out;
}

std::optional<std::uint64_t> ParseByteSize(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::uint64_t number = 0;
  std::from_chars(text.data(), text.data() + digits, number);
  std::string unit(text.substr(digits));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<std::string_view, std::uint64_t> kUnits[] = {{"", 1},
                                                                      {"B", 1},
                                                                      {"KB", 1ULL << 10},
                                                                      {"KIB", 1ULL << 10},
                                                                      {"MB", 1ULL << 20},
                                                                      {"MIB", 1ULL << 20},
                                                                      {"GB", 1ULL << 30},
                                                                      {"GIB", 1ULL << 30},
                                                                      {"TB", 1ULL << 40},
                                                                      {"TIB", 1ULL << 40}};
  for (const auto& [suffix, factor] : kUnits) {
    if (unit == suffix) return number * factor;
  }
  return std::nullopt;
}

}  // namespace inferwatch::exporter::config
