// The section-kind framework: a registered kind claims its top-level key, and the rules it
// produces are validated like hand-written ones.
#include <memory>

#include <catch2/catch.hpp>

#include "rules/rulefile/loader.h"
#include "rules/rulefile/section.h"

namespace rf = inferwatch::rules::rulefile;

namespace {

// `widgets: [{name: N, expr: E}]` expands to one group with a recording rule widget:N per entry.
class WidgetsSection : public rf::SectionKind {
 public:
  std::string_view key() const override { return "test_widgets"; }
  void Expand(const YAML::Node& section, const rf::SectionContext& ctx,
              std::vector<rf::RuleGroup>& out,
              std::vector<rf::Diagnostic>& diagnostics) const override {
    if (!section.IsSequence()) {
      diagnostics.push_back(ctx.ErrorAt(section, "test_widgets must be a list"));
      return;
    }
    rf::RuleGroup group;
    group.name = "widgets";
    group.pos = ctx.PositionOf(section);
    for (const auto& entry : section) {
      rf::Rule rule;
      rule.name = "widget:" + entry["name"].as<std::string>("");
      rule.expr = entry["expr"].as<std::string>("");
      rule.pos = ctx.PositionOf(entry);
      group.rules.push_back(std::move(rule));
    }
    out.push_back(std::move(group));
  }
};

void RegisterOnce() {
  static const bool registered = [] {
    rf::RegisterSectionKind(std::make_unique<WidgetsSection>());
    return true;
  }();
  (void)registered;
}

}  // namespace

TEST_CASE("registered section kinds expand into validated groups", "[rulefile][sections]") {
  RegisterOnce();
  REQUIRE(rf::FindSectionKind("test_widgets") != nullptr);
  const rf::LoadResult good = rf::LoadRuleText(
      "test_widgets:\n  - name: a\n    expr: sum(llm_requests_running)\n", "w.yml");
  REQUIRE(good.ok());
  REQUIRE(good.groups.size() == 1);
  REQUIRE(good.groups[0].rules.size() == 1);
  CHECK(good.groups[0].rules[0].name == "widget:a");
  CHECK(good.groups[0].rules[0].parsed != nullptr);

  const rf::LoadResult bad = rf::LoadRuleText(
      "groups: []\ntest_widgets:\n  - name: a\n    expr: sum(\n  - name: b-c\n    expr: up\n",
      "w.yml");
  REQUIRE(bad.diagnostics.size() == 2);
  CHECK(rf::FormatDiagnostic(bad.diagnostics[0])
            .starts_with("w.yml:3:5: invalid PromQL expression: "));
  CHECK(rf::FormatDiagnostic(bad.diagnostics[1]) ==
        "w.yml:5:5: invalid recording rule name \"widget:b-c\": not a valid metric name");
  REQUIRE(bad.groups.size() == 1);
  CHECK(bad.groups[0].rules.empty());

  const rf::LoadResult not_list = rf::LoadRuleText("test_widgets: 3\n", "w.yml");
  REQUIRE(not_list.diagnostics.size() == 1);
  CHECK(rf::FormatDiagnostic(not_list.diagnostics[0]) == "w.yml:1:15: test_widgets must be a list");
}
