#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "exporter/log/logger.h"

using inferwatch::exporter::log::Format;
using inferwatch::exporter::log::Level;
using inferwatch::exporter::log::Logger;

namespace {

// The line without its timestamp, which is the first field.
std::string LogfmtLine(std::string_view message, std::string value) {
  std::ostringstream out;
  Logger logger(out, Level::kInfo, Format::kLogfmt);
  logger.Info(message, {{"err", std::move(value)}});
  const std::string line = out.str();
  return line.substr(line.find(' ') + 1);
}

}  // namespace

TEST_CASE("logfmt values are bare when they can be, quoted as go-logfmt quotes otherwise") {
  CHECK(LogfmtLine("scrape", "timeout") == "level=info msg=scrape err=timeout\n");
  CHECK(LogfmtLine("scrape failed", "") == "level=info msg=\"scrape failed\" err=\"\"\n");
  CHECK(LogfmtLine("m", R"(a="b" c\d)") == "level=info msg=m err=\"a=\\\"b\\\" c\\\\d\"\n");
  CHECK(LogfmtLine("m", "tab\there") == "level=info msg=m err=\"tab\\there\"\n");
}

TEST_CASE("No logged value can end a line early or carry raw control bytes") {
  // A target's error text with a forged second line and terminal control bytes.
  const std::string line = LogfmtLine("m", "bad\nts=0 level=error msg=forged\r\x1b[2K\x07\x7f");
  CHECK(line ==
        "level=info msg=m err=\"bad\\nts=0 level=error msg=forged\\r\\u001b[2K\\u0007\x7f\"\n");
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.find('\r') == std::string::npos);
}

TEST_CASE("JSON lines escape the same values as JSON strings") {
  std::ostringstream out;
  Logger logger(out, Level::kInfo, Format::kJson);
  logger.Info("m", {{"err", "a\nb\x01"}});
  const std::string line = out.str();
  CHECK(line.find(R"("err":"a\nb\u0001")") != std::string::npos);
  CHECK(line.find('\n') == line.size() - 1);
  // Below the configured level nothing is written.
  logger.Debug("hidden");
  CHECK(out.str() == line);
}
