// The OpenMetrics project's parser test cases: accept exactly those marked shouldParse.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/parsers/test_support.h"

namespace inferwatch::parsers {
namespace {

class Discard : public SampleHandler {
 public:
  bool OnSample(const Sample& /*sample*/) override { return true; }
};

TEST_CASE("OpenMetrics conformance suite", "[parsers][openmetrics]") {
  const std::filesystem::path root =
      std::filesystem::path(INFERWATCH_TEST_DATA) / "fixtures" / "openmetrics-conformance";
  std::size_t cases = 0;
  std::size_t good = 0;
  std::vector<std::string> failures;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string test_json = testing::ReadFile((entry.path() / "test.json").string());
    REQUIRE(!test_json.empty());
    const bool should_parse = test_json.find("\"shouldParse\": true") != std::string::npos ||
                              test_json.find("\"shouldParse\":true") != std::string::npos;
    const std::string body = testing::ReadFile((entry.path() / "metrics").string());
    Discard discard;
    const auto error = Parse(body, Format::kOpenMetrics, discard);
    ++cases;
    if (should_parse) ++good;
    if (should_parse && error) {
      failures.push_back(entry.path().filename().string() + ": rejected: " + error->ToString());
    } else if (!should_parse && !error) {
      failures.push_back(entry.path().filename().string() + ": accepted");
    }
  }
  for (const std::string& failure : failures) UNSCOPED_INFO(failure);
  CHECK(failures.empty());
  CHECK(cases == 211);
  CHECK(good == 44);
}

}  // namespace
}  // namespace inferwatch::parsers
