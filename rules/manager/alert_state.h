// One alerting rule's alerts across evaluations: pending -> firing -> resolved, with `for`,
// `keep_firing_for` and `limit` as Prometheus 2.42 applies them, and the ALERTS /
// ALERTS_FOR_STATE samples Prometheus writes for them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/promql/engine.h"
#include "rules/rulefile/model.h"
#include "rules/template/value.h"

namespace inferwatch::rules::manager {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState state);  // "inactive", "pending", "firing"

struct Alert {
  Labels labels;                    // expression labels without __name__, rule labels, alertname
  rulefile::KeyValues annotations;  // expanded
  AlertState state = AlertState::kInactive;
  double value = 0;
  std::int64_t active_at_ms = 0;
  std::int64_t fired_at_ms = 0;
  std::optional<std::int64_t> resolved_at_ms;
  std::optional<std::int64_t> keep_firing_since_ms;
};

// What alert templates see besides the alert's own labels and value.
struct TemplateContext {
  templating::LabelMap external_labels;
  std::string external_url;
};

class AlertingRuleState {
 public:
  // Folds in the rule's expression result at t_ms. Returns the ALERTS and ALERTS_FOR_STATE
  // samples to write, or an error (duplicate label sets, limit exceeded) as Prometheus reports it.
  std::variant<promql::Vector, std::string> Update(const rulefile::Rule& rule,
                                                   const promql::Vector& result, std::int64_t t_ms,
                                                   int limit, const TemplateContext& context);
  // Pending and firing alerts, in label order.
  std::vector<Alert> ActiveAlerts() const;

 private:
  std::map<Labels, Alert> active_;
};

}  // namespace inferwatch::rules::manager
