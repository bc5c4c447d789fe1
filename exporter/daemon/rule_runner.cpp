#include "exporter/daemon/rule_runner.h"

namespace inferwatch::exporter::daemon {
namespace {

// Used until the rule manager is linked in: evaluates nothing.
class NoRules final : public RuleRunner {
 public:
  void EvaluateDue(std::int64_t, store::ShortTermStore&, SelfMetrics&, log::Logger&) override {}
  std::vector<std::string> GroupNames() const override { return {}; }
};

}  // namespace

std::string RuleGroupSource(const std::string& group) {
  return "rule-group|" + group;
}

std::variant<std::unique_ptr<RuleRunner>, std::string> LoadRuleRunner(
    const std::vector<std::string>& /*files*/, std::chrono::milliseconds /*evaluation_interval*/) {
  return std::unique_ptr<RuleRunner>(std::make_unique<NoRules>());
}

}  // namespace inferwatch::exporter::daemon
