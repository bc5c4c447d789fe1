#include "rules/manager/alert_state.h"

#include <fmt/format.h>

#include "rules/template/template.h"

namespace inferwatch::rules::manager {

namespace {

// Prometheus keeps a resolved alert this long so Alertmanager hears it resolved.
constexpr std::int64_t kResolvedRetentionMs = std::int64_t{15} * 60 * 1000;

promql::VectorSample AlertSample(const Alert& alert, std::string_view metric, double value,
                                 std::int64_t t_ms, bool with_state) {
  Labels labels = alert.labels;
  labels.Set("__name__", metric);
  if (with_state) labels.Set("alertstate", AlertStateName(alert.state));
  return promql::VectorSample{std::move(labels), value, t_ms};
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

std::variant<promql::Vector, std::string> AlertingRuleState::Update(
    const rulefile::Rule& rule, const promql::Vector& result, std::int64_t t_ms, int limit,
    const TemplateContext& context) {
  std::map<Labels, Alert> current;
  for (const promql::VectorSample& sample : result) {
    templating::TemplateData data;
    for (const auto& [name, value] : sample.labels.pairs()) data.labels.emplace(name, value);
    data.external_labels = context.external_labels;
    data.external_url = context.external_url;
    data.value = sample.value;
    Labels labels = sample.labels;
    labels.Remove("__name__");
    for (const auto& [name, text] : rule.labels) {
      labels.Set(name, templating::ExpandAlertTemplate(text, data));  // "" removes, as in Go
    }
    labels.Set("alertname", rule.name);
    Alert alert;
    for (const auto& [name, text] : rule.annotations) {
      alert.annotations.emplace_back(name, templating::ExpandAlertTemplate(text, data));
    }
    alert.labels = labels;
    alert.active_at_ms = t_ms;
    alert.state = AlertState::kPending;
    alert.value = sample.value;
    if (!current.emplace(labels, std::move(alert)).second) {
      return std::string(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }
  for (auto& [labels, alert] : current) {
    auto it = active_.find(labels);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = alert.value;
      it->second.annotations = alert.annotations;
      continue;
    }
    active_[labels] = std::move(alert);
  }
  promql::Vector out;
  int active_count = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& alert = it->second;
    bool erase = false;
    if (!current.contains(it->first)) {
      bool keep_firing = false;
      if (alert.state == AlertState::kFiring && rule.keep_firing_for_ms > 0) {
        if (!alert.keep_firing_since_ms) alert.keep_firing_since_ms = t_ms;
        keep_firing = t_ms - *alert.keep_firing_since_ms < rule.keep_firing_for_ms;
      }
      if (alert.state == AlertState::kPending ||
          (alert.resolved_at_ms && t_ms - *alert.resolved_at_ms > kResolvedRetentionMs)) {
        erase = true;
      }
      if (alert.state != AlertState::kInactive && !keep_firing) {
        alert.state = AlertState::kInactive;
        alert.resolved_at_ms = t_ms;
      }
      if (!keep_firing) {
        it = erase ? active_.erase(it) : std::next(it);
        continue;
      }
    } else {
      alert.keep_firing_since_ms.reset();
    }
    ++active_count;
    if (alert.state == AlertState::kPending && t_ms - alert.active_at_ms >= rule.for_ms) {
      alert.state = AlertState::kFiring;
      alert.fired_at_ms = t_ms;
    }
    out.push_back(AlertSample(alert, "ALERTS", 1, t_ms, true));
    // Whole seconds, as Prometheus writes ActiveAt.Unix().
    const double active_at_s =
        static_cast<double>(alert.active_at_ms >= 0 ? alert.active_at_ms / 1000
                                                    : -((-alert.active_at_ms + 999) / 1000));
    out.push_back(AlertSample(alert, "ALERTS_FOR_STATE", active_at_s, t_ms, false));
    if (erase) {
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
  if (limit > 0 && active_count > limit) {
    active_.clear();
    return fmt::format("exceeded limit of {} with {} alerts", limit, active_count);
  }
  return out;
}

std::vector<Alert> AlertingRuleState::ActiveAlerts() const {
  std::vector<Alert> alerts;
  for (const auto& [labels, alert] : active_) {
    if (alert.state != AlertState::kInactive) alerts.push_back(alert);
  }
  return alerts;
}

}  // namespace inferwatch::rules::manager
