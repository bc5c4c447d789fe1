// A small structured logger writing logfmt or JSON lines to stderr, as Prometheus's own tools do.
#pragma once

#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace inferwatch::exporter::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

bool ParseLevel(std::string_view text, Level& level);
bool ParseFormat(std::string_view text, Format& format);

using Field = std::pair<std::string_view, std::string>;

class Logger {
 public:
  explicit Logger(std::ostream& out, Level level = Level::kInfo, Format format = Format::kLogfmt)
      : out_(&out), level_(level), format_(format) {}

  void Configure(Level level, Format format);
  bool Enabled(Level level) const;

  void Log(Level level, std::string_view message, std::initializer_list<Field> fields = {});
  void Debug(std::string_view message, std::initializer_list<Field> fields = {}) {
    Log(Level::kDebug, message, fields);
  }
  void Info(std::string_view message, std::initializer_list<Field> fields = {}) {
    Log(Level::kInfo, message, fields);
  }
  void Warn(std::string_view message, std::initializer_list<Field> fields = {}) {
    Log(Level::kWarn, message, fields);
  }
  void Error(std::string_view message, std::initializer_list<Field> fields = {}) {
    Log(Level::kError, message, fields);
  }

 private:
  mutable std::mutex mutex_;
  std::ostream* out_;
  Level level_;
  Format format_;
};

// The process-wide logger (stderr).
Logger& Default();

}  // namespace inferwatch::exporter::log
