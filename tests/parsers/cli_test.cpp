// `inferwatch parse` end to end: output shapes and exit codes, through the built executable.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/parsers/test_support.h"

namespace inferwatch::parsers {
namespace {

struct Run {
  int exit_code;
  std::string out;
  std::string err;
};

Run RunParse(const std::string& arguments, const std::string& stdin_text = "") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = (dir / ("iw_parse_cli_" + std::to_string(::getpid()))).string();
  {
    std::ofstream in(stem + ".in", std::ios::binary);
    in << stdin_text;
  }
  const std::string command = std::string("'") + INFERWATCH_BINARY + "' parse " + arguments +
                              " < '" + stem + ".in' > '" + stem + ".out' 2> '" + stem + ".err'";
  const int status = std::system(command.c_str());
  Run run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::ReadFile(stem + ".out"),
          testing::ReadFile(stem + ".err")};
  for (const char* suffix : {".in", ".out", ".err"}) std::filesystem::remove(stem + suffix);
  return run;
}

const std::string kFixtures = std::string(INFERWATCH_TEST_DATA) + "/fixtures/exposition/";

TEST_CASE("parse: text summary of a fixture", "[parsers][cli]") {
  const Run run = RunParse("'" + kFixtures + "vllm-v1.prom'");
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("vllm:iteration_tokens_total") != std::string::npos);
  CHECK(run.out.ends_with("26 families, 291 samples (Prometheus text 0.0.4)\n"));
}

TEST_CASE("parse: json lines from standard input", "[parsers][cli]") {
  const Run run = RunParse("--format=json -",
                           "# TYPE a counter\na_total{x=\"q\\\"\"} 1.5 # {t=\"1\"} 1\n"
                           "# TYPE b gauge\nb NaN 2.5\n# EOF\n");
  CHECK(run.exit_code == 0);
  CHECK(run.out ==
        "{\"family\":\"a\",\"type\":\"counter\",\"name\":\"a_total\",\"labels\":{\"x\":\"q\\\"\"},"
        "\"value\":1.5,\"timestamp_ms\":null}\n"
        "{\"family\":\"b\",\"type\":\"gauge\",\"name\":\"b\",\"labels\":{},\"value\":\"NaN\","
        "\"timestamp_ms\":2500}\n");
}

TEST_CASE("parse: errors and exit codes", "[parsers][cli]") {
  const Run bad = RunParse("--input-format=prometheus -", "a 1\na{b=\"c} 1\n");
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "-:2:5: unterminated label value\n");

  const Run forced = RunParse("--input-format=openmetrics -", "a 1\n");
  CHECK(forced.exit_code == 1);
  CHECK(forced.err == "-:2:1: missing \"# EOF\" at the end\n");

  CHECK(RunParse("").exit_code == 2);
  CHECK(RunParse("--format=xml -").exit_code == 2);
  CHECK(RunParse("/nonexistent/payload.prom").exit_code == 2);
  const Run help = RunParse("--help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.starts_with("Usage: inferwatch parse"));
}

TEST_CASE("parse: lint findings", "[parsers][cli]") {
  const Run clean = RunParse("--lint -", "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n");
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.empty());
  const Run findings = RunParse("--lint -", "# HELP a A.\n# TYPE a counter\na 1\na 2\n");
  CHECK(findings.exit_code == 1);
  CHECK(findings.out ==
        "-:3:1: counter \"a\" should have the \"_total\" suffix\n"
        "-:4:1: duplicate series \"a\" (first on line 3)\n");
}

}  // namespace
}  // namespace inferwatch::parsers
