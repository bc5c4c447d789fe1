// Runs Prometheus 2.42's own PromQL test files through the promqltest runner.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/promqltest/runner.h"

TEST_CASE("PromQL conformance suite passes completely", "[promql][conformance]") {
  const std::filesystem::path dir =
      std::filesystem::path(INFERWATCH_TEST_DATA) / "fixtures" / "promql-conformance";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 11);
  std::ostringstream out;
  const auto summary = inferwatch::rules::promqltest::RunFilesSummary(files, out);
  INFO(out.str());
  CHECK(summary.failures.empty());
  CHECK(summary.failed == 0);
  CHECK(summary.passed == 566);
  CHECK(inferwatch::rules::promqltest::RunFiles(files, out) == 0);
}

TEST_CASE("The runner reports failing cases with file, line and a summary line") {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "inferwatch_promqltest_failing.test";
  {
    std::ofstream file(path);
    file << "load 1m\n  m{a=\"b\"} 1 2 3\n\neval instant at 2m m\n  m{a=\"b\"} 4\n\n"
            "eval instant at 2m m\n  m{a=\"b\"} 3\n\neval_fail instant at 0m m\n";
  }
  std::ostringstream out;
  const auto summary = inferwatch::rules::promqltest::RunFilesSummary({path.string()}, out);
  std::filesystem::remove(path);
  CHECK(summary.passed == 1);
  CHECK(summary.failed == 2);
  CHECK(out.str().find(path.string() + ":4: m") != std::string::npos);
  CHECK(out.str().find("1 passed, 2 failed\n") != std::string::npos);
}
