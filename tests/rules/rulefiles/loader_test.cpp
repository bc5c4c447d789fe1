// Broken rule files and the exact FILE:LINE:COL: message each must produce.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rules/rulefile/loader.h"

namespace rf = inferwatch::rules::rulefile;

namespace {

std::vector<std::string> Diagnose(const std::string& text) {
  const rf::LoadResult result = rf::LoadRuleText(text, "bad.yml");
  std::vector<std::string> out;
  for (const auto& diagnostic : result.diagnostics) out.push_back(rf::FormatDiagnostic(diagnostic));
  return out;
}

struct BadFile {
  const char* what;
  const char* text;
  std::vector<std::string> expected;
};

}  // namespace

TEST_CASE("broken rule files report FILE:LINE:COL: message", "[rulefile]") {
  const std::vector<BadFile> cases = {
      {"YAML syntax error",
       "groups:\n  - name: a\n    rules: [\n      {record: x\n",
       {"bad.yml:5:1: end of map flow not found"}},
      {"unknown top-level key",
       "groups: []\nalerting: {}\n",
       {"bad.yml:2:1: unknown top-level key \"alerting\" (expected one of: groups"}},
      {"unknown field in a rule",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        exprr: up\n        expr: up\n",
       {"bad.yml:5:9: unknown field \"exprr\" in rule"}},
      {"unknown field in a group",
       "groups:\n  - name: a\n    evaluation_interval: 1m\n",
       {"bad.yml:3:5: unknown field \"evaluation_interval\" in rule group"}},
      {"PromQL syntax error in a plain scalar",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: sum(rate(llm_x[5m]) by "
       "(a)\n",
       {"bad.yml:5:35: invalid PromQL expression: "}},
      {"PromQL syntax error in a double-quoted scalar",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: \"up{a=\\\"b\\\"} +\"\n",
       {"bad.yml:5:29: invalid PromQL expression: "}},
      {"PromQL syntax error in a literal block",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: |\n          "
       "sum(llm_x)\n"
       "            / on(a) 1 +\n",
       {"bad.yml:7:13: invalid PromQL expression: "}},
      {"unknown function",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: rated(llm_x[5m])\n",
       {"bad.yml:5:15: invalid PromQL expression: unknown function with name \"rated\""}},
      {"wrong argument type",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: rate(llm_x)\n",
       {"bad.yml:5:15: invalid PromQL expression: expected type range vector in call to function "
        "\"rate\", got instant vector"}},
      {"invalid recording rule name",
       "groups:\n  - name: a\n    rules:\n      - record: llm-x\n        expr: up\n",
       {"bad.yml:4:17: invalid recording rule name \"llm-x\": not a valid metric name"}},
      {"duplicate group names",
       "groups:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n",
       {"bad.yml:4:11: group name \"a\" is repeated in the same file"}},
      {"duplicate recording rules warn",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n"
       "      - record: x\n        expr: up\n",
       {"bad.yml:6:9: warning: duplicate recording rule \"x\" with the same labels in group "
        "\"a\""}},
      {"bad duration",
       "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n        for: "
       "5x\n",
       {"bad.yml:6:14: invalid duration \"5x\" in field \"for\""}},
      {"template that does not parse",
       "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n"
       "        annotations:\n          summary: '{{ $labels.target | nosuch }}'\n",
       {"bad.yml:7:20: template in annotation \"summary\" does not parse: function \"nosuch\" not "
        "defined"}},
      {"alert expression that is not a vector",
       "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: 1 > bool 0\n",
       {"bad.yml:5:15: alert expression must return an instant vector, got scalar"}},
      {"for on a recording rule",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n        for: 5m\n",
       {"bad.yml:6:14: invalid field \"for\" in recording rule"}},
      {"rule without expr",
       "groups:\n  - name: a\n    rules:\n      - alert: A\n",
       {"bad.yml:4:9: field \"expr\" must be set in a rule"}},
      {"duplicate key",
       "groups:\n  - name: a\n    name: b\n",
       {"bad.yml:3:5: duplicate key \"name\""}},
      {"invalid label name",
       "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n"
       "        labels:\n          bad-label: x\n",
       {"bad.yml:7:11: invalid label name \"bad-label\""}},
      // Also: reported in line order, though the duration is checked before the expression.
      {"a bad duration does not hide a typo in the same rule's expression",
       "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: rat(llm_x[5m]) > 1\n"
       "        for: 5mm\n",
       {"bad.yml:5:15: invalid PromQL expression: unknown function with name \"rat\"",
        "bad.yml:6:14: invalid duration \"5mm\" in field \"for\""}},
      {"record and alert together",
       "groups:\n  - name: a\n    rules:\n      - record: x\n        alert: A\n        expr: up\n",
       {"bad.yml:4:9: only one of \"record\" and \"alert\" may be set in a rule"}},
  };
  for (const BadFile& bad : cases) {
    SECTION(bad.what) {
      const std::vector<std::string> got = Diagnose(bad.text);
      REQUIRE(got.size() == bad.expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        // Compared by prefix: the top-level-key message goes on to list the registered section
        // kinds, and the PromQL cases pin the position, not the parser's wording.
        CHECK(got[i].substr(0, bad.expected[i].size()) == bad.expected[i]);
      }
    }
  }
}
