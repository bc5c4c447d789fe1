#include "exporter/log/logger.h"

#include <chrono>
#include <iostream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace inferwatch::exporter::log {
namespace {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", ms);
}

bool NeedsQuoting(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// Quoted as go-logfmt (Prometheus's and node_exporter's logger) quotes: \" \\ \n \r \t, other
// control bytes as \u00XX, so no value (a scraped target's error text, say) can end a log line
// early or rewrite what a terminal shows. Not rules::GoQuote, whose \xNN logfmt readers do not
// decode.
void AppendLogfmtValue(std::string& out, std::string_view value) {
  if (!NeedsQuoting(value)) {
    out += value;
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[static_cast<unsigned char>(c) >> 4];
          out += kHex[static_cast<unsigned char>(c) & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

bool ParseLevel(std::string_view text, Level& level) {
  for (Level candidate : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(candidate)) {
      level = candidate;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view text, Format& format) {
  if (text == "logfmt") {
    format = Format::kLogfmt;
    return true;
  }
  if (text == "json") {
    format = Format::kJson;
    return true;
  }
  return false;
}

void Logger::Configure(Level level, Format format) {
  std::lock_guard lock(mutex_);
  level_ = level;
  format_ = format;
}

bool Logger::Enabled(Level level) const {
  std::lock_guard lock(mutex_);
  return level >= level_;
}

void Logger::Log(Level level, std::string_view message, std::initializer_list<Field> fields) {
  std::lock_guard lock(mutex_);
  if (level < level_) return;
  std::string line;
  if (format_ == Format::kJson) {
    nlohmann::json object;
    object["ts"] = Timestamp();
    object["level"] = LevelName(level);
    object["msg"] = message;
    for (const auto& [key, value] : fields) object[std::string(key)] = value;
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = "ts=" + Timestamp() + " level=" + std::string(LevelName(level)) + " msg=";
    AppendLogfmtValue(line, message);
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      AppendLogfmtValue(line, value);
    }
  }
  line += '\n';
  *out_ << line << std::flush;
}

Logger& Default() {
  static Logger logger(std::cerr);
  return logger;
}

}  // namespace inferwatch::exporter::log
