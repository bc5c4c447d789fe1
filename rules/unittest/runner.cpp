#include "rules/unittest/runner.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <glob.h>
#include <yaml-cpp/yaml.h>

#include "rules/manager/rule_manager.h"
#include "rules/promql/duration.h"
#include "rules/promql/memory_storage.h"
#include "rules/promql/parser.h"
#include "rules/promql/series_notation.h"
#include "rules/rulefile/loader.h"

namespace inferwatch::rules::unittest {

namespace {

std::string Where(const std::string& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void Fail(const YAML::Node& node, const std::string& message) {
    errors_.push_back(fmt::format("{}: {}", Where(file_, node), message));
  }
  const std::vector<std::string>& errors() const { return errors_; }

  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                 std::string_view what) {
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        Fail(entry.first, fmt::format("unknown field \"{}\" in {}", key, what));
      }
    }
  }

  std::optional<std::int64_t> Duration(const YAML::Node& node, std::string_view field) {
    if (!node.IsScalar()) {
      Fail(node, fmt::format("field \"{}\" must be a duration", field));
      return std::nullopt;
    }
    auto parsed = promql::ParseDurationMs(node.Scalar());
    if (!parsed)
      Fail(node, fmt::format("invalid duration \"{}\" in field \"{}\"", node.Scalar(), field));
    return parsed;
  }

  std::optional<std::string> String(const YAML::Node& node, std::string_view field) {
    if (node.IsNull()) return std::string();
    if (!node.IsScalar()) {
      Fail(node, fmt::format("field \"{}\" must be a string", field));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<std::map<std::string, std::string>> StringMap(const YAML::Node& node,
                                                              std::string_view field) {
    std::map<std::string, std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsMap()) {
      Fail(node, fmt::format("field \"{}\" must be a mapping", field));
      return std::nullopt;
    }
    for (const auto& entry : node) {
      auto value = String(entry.second, field);
      if (!value) return std::nullopt;
      out[entry.first.Scalar()] = *value;
    }
    return out;
  }

  // A series selector of equality matchers only (`metric{a="b"}`), as promtool's ParseMetric.
  std::optional<Labels> Metric(const YAML::Node& node, std::string_view text) {
    if (text.find_first_not_of(" \t") == std::string_view::npos) return Labels();
    auto parsed = promql::ParseExpr(text);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
      Fail(node, fmt::format("invalid series \"{}\": {}", text, error->message));
      return std::nullopt;
    }
    const auto* selector =
        std::get_if<promql::VectorSelector>(&std::get<promql::ExprPtr>(parsed)->node);
    std::vector<Labels::Pair> pairs;
    if (selector != nullptr) {
      for (const LabelMatcher& matcher : selector->matchers) {
        if (matcher.type != MatchType::kEqual) {
          selector = nullptr;
          break;
        }
        pairs.emplace_back(matcher.name, matcher.value);
      }
    }
    if (selector == nullptr || selector->offset_ms != 0 ||
        selector->at.kind != promql::AtKind::kNone) {
      Fail(node,
           fmt::format("invalid series \"{}\": expected a metric name and label=\"value\" pairs",
                       text));
      return std::nullopt;
    }
    return Labels(pairs);
  }

  std::optional<double> Number(const YAML::Node& node, std::string_view field) {
    if (!node.IsScalar()) {
      Fail(node, fmt::format("field \"{}\" must be a number", field));
      return std::nullopt;
    }
    std::string text = node.Scalar();
    if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf") return HUGE_VAL;
    if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return -HUGE_VAL;
    if (text == ".nan" || text == ".NaN" || text == ".NAN") return std::nan("");
    if (auto value = promql::ParseSeriesNumber(text)) return value;
    Fail(node, fmt::format("invalid number \"{}\" in field \"{}\"", text, field));
    return std::nullopt;
  }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

struct SampleExpectation {
  Labels labels;
  double value = 0;
};

struct ExprTest {
  std::string expr;
  std::int64_t eval_time_ms = 0;
  std::vector<SampleExpectation> samples;
};

struct AlertExpectation {
  Labels labels;
  std::map<std::string, std::string> annotations;
};

struct AlertTest {
  std::int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<AlertExpectation> alerts;
};

struct InputSeries {
  Labels labels;
  promql::SeriesValues values;
};

struct TestGroup {
  std::string name;
  std::int64_t interval_ms = 0;
  std::vector<InputSeries> series;
  std::vector<ExprTest> expr_tests;
  std::vector<AlertTest> alert_tests;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
};

class StorageSink : public manager::OutputSink {
 public:
  explicit StorageSink(promql::MemoryStorage& storage) : storage_(storage) {}
  void Append(const Labels& labels, std::int64_t t_ms, double value) override {
    storage_.Append(labels, t_ms, value);
  }

 private:
  promql::MemoryStorage& storage_;
};

std::string LabelsText(const Labels& labels) {
  // Prometheus's labels.String(): {__name__="x", a="b"}.
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels.pairs()) {
    if (!first) out += ", ";
    first = false;
    out += name;
    out += "=";
    out += fmt::format("\"{}\"", value);
  }
  return out + "}";
}

std::string MapText(const std::map<std::string, std::string>& map) {
  std::vector<Labels::Pair> pairs(map.begin(), map.end());
  return LabelsText(Labels(pairs));
}

// strconv.FormatFloat(v, 'E', -1, 64).
std::string FloatE(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  for (char& c : text) {
    if (c == 'e') c = 'E';
  }
  // to_chars writes E+00 style exponents already (at least two digits).
  return text;
}

std::string SamplesText(std::vector<SampleExpectation> samples) {
  if (samples.empty()) return "nil";
  std::string out;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i > 0) out += ", ";
    out += LabelsText(samples[i].labels) + " " + FloatE(samples[i].value);
  }
  return out;
}

bool SameValue(double expected, double got) {
  if (std::isnan(expected) || std::isnan(got)) return std::isnan(expected) && std::isnan(got);
  if (expected == got) return true;
  return std::fabs(expected - got) <= 1e-9 * std::max(std::fabs(expected), std::fabs(got));
}

std::string AlertsText(const std::vector<AlertExpectation>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[\n";
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    out += fmt::format("            {}:\n              Labels:{}\n              Annotations:{}\n",
                       i, LabelsText(alerts[i].labels), MapText(alerts[i].annotations));
  }
  return out + "            ]";
}

class FileRunner {
 public:
  FileRunner(std::string file, std::ostream& out)
      : file_(std::move(file)), out_(out), reader_(file_) {}

  FileOutcome Run() {
    out_ << "Unit Testing:  " << file_ << '\n';
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
      out_ << "  FAILED:\n    cannot read file: " << std::strerror(errno) << '\n';
      return FileOutcome{false, true};
    }
    std::ostringstream text;
    text << in.rdbuf();
    YAML::Node root;
    try {
      root = YAML::Load(text.str());
    } catch (const YAML::Exception& error) {
      return Failed({fmt::format("{}:{}:{}: {}", file_, error.mark.line + 1, error.mark.column + 1,
                                 error.msg)});
    }
    if (!root.IsMap()) return Failed({file_ + ": a test file must be a mapping"});
    if (!ReadHeader(root)) return Failed(reader_.errors());
    std::vector<std::string> failures;
    for (const TestGroup& group : groups_) {
      std::vector<std::string> group_failures = RunGroup(group);
      if (!group_failures.empty() && !group.name.empty()) {
        failures.push_back(fmt::format("    name: {},", group.name));
      }
      failures.insert(failures.end(), group_failures.begin(), group_failures.end());
    }
    if (!failures.empty()) return Failed(failures);
    out_ << "  SUCCESS\n\n";
    return FileOutcome{true, false};
  }

 private:
  FileOutcome Failed(const std::vector<std::string>& messages) {
    out_ << "  FAILED:\n";
    for (const std::string& message : messages) out_ << message << '\n';
    out_ << '\n';
    return FileOutcome{false, false};
  }

  bool ReadHeader(const YAML::Node& root) {
    reader_.CheckKeys(root, {"rule_files", "evaluation_interval", "group_eval_order", "tests"},
                      "test file");
    if (root["evaluation_interval"]) {
      if (auto interval = reader_.Duration(root["evaluation_interval"], "evaluation_interval")) {
        evaluation_interval_ms_ = *interval;
      }
    }
    if (evaluation_interval_ms_ <= 0) evaluation_interval_ms_ = 60000;
    const std::filesystem::path base = std::filesystem::path(file_).parent_path();
    if (const YAML::Node files = root["rule_files"]; files) {
      if (!files.IsSequence()) {
        reader_.Fail(files, "field \"rule_files\" must be a list");
      } else {
        for (const auto& entry : files) {
          auto name = reader_.String(entry, "rule_files");
          if (!name) continue;
          std::filesystem::path path(*name);
          if (path.is_relative()) path = base / path;
          ExpandGlob(path.string(), entry);
        }
      }
    }
    if (const YAML::Node order = root["group_eval_order"]; order) {
      if (!order.IsSequence()) {
        reader_.Fail(order, "field \"group_eval_order\" must be a list");
      } else {
        for (const auto& entry : order) {
          if (auto name = reader_.String(entry, "group_eval_order")) group_order_.push_back(*name);
        }
      }
    }
    if (const YAML::Node tests = root["tests"]; tests && !tests.IsNull()) {
      if (!tests.IsSequence()) {
        reader_.Fail(tests, "field \"tests\" must be a list");
      } else {
        for (const auto& entry : tests) ReadGroup(entry);
      }
    }
    return reader_.errors().empty();
  }

  void ExpandGlob(const std::string& pattern, const YAML::Node& node) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
      rule_files_.push_back(pattern);
      return;
    }
    glob_t matches{};
    if (glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i)
        rule_files_.emplace_back(matches.gl_pathv[i]);
    } else {
      reader_.Fail(node, fmt::format("no rule files match \"{}\"", pattern));
    }
    globfree(&matches);
  }

  void ReadGroup(const YAML::Node& node) {
    if (!node.IsMap()) {
      reader_.Fail(node, "a test group must be a mapping");
      return;
    }
    reader_.CheckKeys(node,
                      {"name", "interval", "input_series", "alert_rule_test", "promql_expr_test",
                       "external_labels", "external_url"},
                      "test group");
    TestGroup group;
    group.interval_ms = evaluation_interval_ms_;
    if (node["name"]) group.name = reader_.String(node["name"], "name").value_or("");
    if (node["interval"]) {
      if (auto interval = reader_.Duration(node["interval"], "interval");
          interval && *interval > 0) {
        group.interval_ms = *interval;
      }
    }
    if (node["external_labels"]) {
      group.external_labels = reader_.StringMap(node["external_labels"], "external_labels")
                                  .value_or(std::map<std::string, std::string>{});
    }
    if (node["external_url"])
      group.external_url = reader_.String(node["external_url"], "external_url").value_or("");
    for (const auto& entry : Sequence(node["input_series"], "input_series")) {
      reader_.CheckKeys(entry, {"series", "values"}, "input_series");
      auto series_text = reader_.String(entry["series"], "series");
      auto values_text = reader_.String(entry["values"], "values");
      if (!series_text || !values_text) continue;
      auto labels = reader_.Metric(entry["series"], *series_text);
      auto values = promql::ExpandSeriesValues(*values_text);
      if (auto* error = std::get_if<promql::SeriesNotationError>(&values)) {
        reader_.Fail(entry["values"],
                     fmt::format("invalid values \"{}\": {}", *values_text, error->message));
        continue;
      }
      if (labels)
        group.series.push_back(
            InputSeries{*labels, std::get<promql::SeriesValues>(std::move(values))});
    }
    for (const auto& entry : Sequence(node["promql_expr_test"], "promql_expr_test")) {
      reader_.CheckKeys(entry, {"expr", "eval_time", "exp_samples"}, "promql_expr_test");
      ExprTest test;
      test.expr = reader_.String(entry["expr"], "expr").value_or("");
      test.eval_time_ms =
          entry["eval_time"] ? reader_.Duration(entry["eval_time"], "eval_time").value_or(0) : 0;
      for (const auto& sample : Sequence(entry["exp_samples"], "exp_samples")) {
        reader_.CheckKeys(sample, {"labels", "value", "histogram"}, "exp_samples");
        auto labels_text = reader_.String(sample["labels"], "labels");
        std::optional<Labels> labels =
            labels_text ? reader_.Metric(sample["labels"], *labels_text) : std::nullopt;
        std::optional<double> value =
            sample["value"] ? reader_.Number(sample["value"], "value") : 0.0;
        if (labels && value) test.samples.push_back(SampleExpectation{*labels, *value});
      }
      group.expr_tests.push_back(std::move(test));
    }
    for (const auto& entry : Sequence(node["alert_rule_test"], "alert_rule_test")) {
      reader_.CheckKeys(entry, {"eval_time", "alertname", "exp_alerts"}, "alert_rule_test");
      AlertTest test;
      test.eval_time_ms =
          entry["eval_time"] ? reader_.Duration(entry["eval_time"], "eval_time").value_or(0) : 0;
      test.alertname = reader_.String(entry["alertname"], "alertname").value_or("");
      if (test.alertname.empty()) reader_.Fail(entry, "alert_rule_test needs an alertname");
      for (const auto& alert : Sequence(entry["exp_alerts"], "exp_alerts")) {
        reader_.CheckKeys(alert, {"exp_labels", "exp_annotations"}, "exp_alerts");
        AlertExpectation expected;
        auto labels = reader_.StringMap(alert["exp_labels"], "exp_labels");
        auto annotations = reader_.StringMap(alert["exp_annotations"], "exp_annotations");
        if (!labels || !annotations) continue;
        std::vector<Labels::Pair> pairs(labels->begin(), labels->end());
        pairs.emplace_back("alertname", test.alertname);
        expected.labels = Labels(pairs);
        expected.annotations = std::move(*annotations);
        test.alerts.push_back(std::move(expected));
      }
      group.alert_tests.push_back(std::move(test));
    }
    groups_.push_back(std::move(group));
  }

  std::vector<YAML::Node> Sequence(const YAML::Node& node, std::string_view field) {
    std::vector<YAML::Node> items;
    if (!node || node.IsNull()) return items;
    if (!node.IsSequence()) {
      reader_.Fail(node, fmt::format("field \"{}\" must be a list", field));
      return items;
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        reader_.Fail(item, fmt::format("each entry of \"{}\" must be a mapping", field));
        continue;
      }
      items.push_back(item);
    }
    return items;
  }

  std::vector<std::string> RunGroup(const TestGroup& test) {
    std::vector<std::string> failures;
    // Rule files load afresh for every test group so no alert state leaks between them.
    std::vector<rulefile::RuleGroup> groups;
    rulefile::LoadOptions load_options;
    load_options.default_interval_ms = evaluation_interval_ms_;
    for (const std::string& rule_file : rule_files_) {
      rulefile::LoadResult result = rulefile::LoadRuleFile(rule_file, load_options);
      for (const auto& diagnostic : result.diagnostics) {
        if (diagnostic.severity == rulefile::Severity::kError) {
          failures.push_back("    " + rulefile::FormatDiagnostic(diagnostic));
        }
      }
      for (auto& group : result.groups) groups.push_back(std::move(group));
    }
    if (!failures.empty()) return failures;
    std::map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < group_order_.size(); ++i) {
      order.emplace(group_order_[i], i);
      const bool found =
          std::any_of(groups.begin(), groups.end(),
                      [&](const rulefile::RuleGroup& g) { return g.name == group_order_[i]; });
      if (!found)
        failures.push_back(
            fmt::format("    group name \"{}\" in group_eval_order not found", group_order_[i]));
    }
    if (!failures.empty()) return failures;
    std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
      const std::size_t ia = order.contains(a.name) ? order[a.name] : 0;
      const std::size_t ib = order.contains(b.name) ? order[b.name] : 0;
      return ia < ib;
    });

    promql::MemoryStorage storage;
    for (const InputSeries& series : test.series) {
      for (std::size_t step = 0; step < series.values.size(); ++step) {
        if (series.values[step]) {
          storage.Append(series.labels, static_cast<std::int64_t>(step) * test.interval_ms,
                         *series.values[step]);
        }
      }
    }
    manager::ManagerOptions options;
    options.default_interval_ms = evaluation_interval_ms_;
    options.external_labels.insert(test.external_labels.begin(), test.external_labels.end());
    options.external_url = test.external_url;
    manager::RuleManager rules(options);
    rules.SetGroups(std::move(groups));
    StorageSink sink(storage);

    std::int64_t max_t = 0;
    for (const auto& t : test.expr_tests) max_t = std::max(max_t, t.eval_time_ms);
    for (const auto& t : test.alert_tests) max_t = std::max(max_t, t.eval_time_ms);
    std::vector<std::int64_t> alert_times;
    for (const auto& t : test.alert_tests) alert_times.push_back(t.eval_time_ms);
    std::sort(alert_times.begin(), alert_times.end());
    alert_times.erase(std::unique(alert_times.begin(), alert_times.end()), alert_times.end());
    std::size_t next_alert_time = 0;

    for (std::int64_t t = 0; t <= max_t; t += evaluation_interval_ms_) {
      rules.EvaluateAll(t, storage, sink);
      std::vector<std::string> eval_errors;
      for (const auto& group : rules.groups()) {
        for (const auto& status : group->rule_status()) {
          if (!status.last_error.empty()) {
            eval_errors.push_back(fmt::format("    rule: {}, time: {}, err: {}", status.name,
                                              promql::FormatDurationMs(t), status.last_error));
          }
        }
      }
      if (!eval_errors.empty()) return eval_errors;
      // Alerts asked for at eval_time are checked at the step t with t <= eval_time < t+interval.
      while (next_alert_time < alert_times.size() && alert_times[next_alert_time] >= t &&
             alert_times[next_alert_time] < t + evaluation_interval_ms_) {
        CheckAlerts(test, alert_times[next_alert_time], rules, failures);
        ++next_alert_time;
      }
      while (next_alert_time < alert_times.size() && alert_times[next_alert_time] < t)
        ++next_alert_time;
    }
    for (const ExprTest& expr_test : test.expr_tests) CheckExpr(expr_test, storage, failures);
    return failures;
  }

  void CheckAlerts(const TestGroup& test, std::int64_t eval_time, const manager::RuleManager& rules,
                   std::vector<std::string>& failures) {
    for (const AlertTest& alert_test : test.alert_tests) {
      if (alert_test.eval_time_ms != eval_time) continue;
      std::vector<AlertExpectation> got;
      for (const auto& group : rules.groups()) {
        for (std::size_t i = 0; i < group->group().rules.size(); ++i) {
          const auto* state = group->alert_state(i);
          if (state == nullptr || group->group().rules[i].name != alert_test.alertname) continue;
          for (const manager::Alert& alert : state->ActiveAlerts()) {
            if (alert.state != manager::AlertState::kFiring) continue;
            AlertExpectation entry;
            entry.labels = alert.labels;
            for (const auto& [name, value] : alert.annotations) entry.annotations[name] = value;
            got.push_back(std::move(entry));
          }
        }
      }
      std::vector<AlertExpectation> expected = alert_test.alerts;
      auto by_labels = [](const AlertExpectation& a, const AlertExpectation& b) {
        return a.labels < b.labels || (a.labels == b.labels && a.annotations < b.annotations);
      };
      std::sort(got.begin(), got.end(), by_labels);
      std::sort(expected.begin(), expected.end(), by_labels);
      const bool same =
          got.size() == expected.size() &&
          std::equal(got.begin(), got.end(), expected.begin(), [](const auto& a, const auto& b) {
            return a.labels == b.labels && a.annotations == b.annotations;
          });
      if (!same) {
        failures.push_back(fmt::format(
            "    alertname: {}, time: {}, \n        exp:{}, \n        got:{}", alert_test.alertname,
            promql::FormatDurationMs(eval_time), AlertsText(expected), AlertsText(got)));
      }
    }
  }

  void CheckExpr(const ExprTest& test, const promql::MemoryStorage& storage,
                 std::vector<std::string>& failures) {
    const std::string time = promql::FormatDurationMs(test.eval_time_ms);
    auto parsed = promql::ParseExpr(test.expr);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
      failures.push_back(fmt::format("    expr: \"{}\", time: {}, err: {}", test.expr, time,
                                     promql::FormatParseError(test.expr, *error)));
      return;
    }
    auto evaluated =
        promql::EvalInstant(*std::get<promql::ExprPtr>(parsed), storage, test.eval_time_ms);
    if (auto* error = std::get_if<promql::EvalError>(&evaluated)) {
      failures.push_back(
          fmt::format("    expr: \"{}\", time: {}, err: {}", test.expr, time, error->message));
      return;
    }
    std::vector<SampleExpectation> got;
    const promql::Value& value = std::get<promql::Value>(evaluated);
    if (const auto* vector = std::get_if<promql::Vector>(&value.data)) {
      for (const auto& sample : *vector)
        got.push_back(SampleExpectation{sample.labels, sample.value});
    } else if (const auto* scalar = std::get_if<promql::Scalar>(&value.data)) {
      got.push_back(SampleExpectation{Labels(), scalar->value});
    } else {
      failures.push_back(
          fmt::format("    expr: \"{}\", time: {}, err: rule result is not a vector or scalar",
                      test.expr, time));
      return;
    }
    std::vector<SampleExpectation> expected = test.samples;
    auto by_labels = [](const SampleExpectation& a, const SampleExpectation& b) {
      return a.labels < b.labels;
    };
    std::sort(got.begin(), got.end(), by_labels);
    std::sort(expected.begin(), expected.end(), by_labels);
    const bool same =
        got.size() == expected.size() &&
        std::equal(got.begin(), got.end(), expected.begin(), [](const auto& g, const auto& e) {
          return g.labels == e.labels && SameValue(e.value, g.value);
        });
    if (!same) {
      failures.push_back(
          fmt::format("    expr: \"{}\", time: {},\n        exp: {}\n        got: {}", test.expr,
                      time, SamplesText(expected), SamplesText(got)));
    }
  }

  std::string file_;
  std::ostream& out_;
  Reader reader_;
  std::int64_t evaluation_interval_ms_ = 60000;
  std::vector<std::string> rule_files_;
  std::vector<std::string> group_order_;
  std::vector<TestGroup> groups_;
};

}  // namespace

FileOutcome RunTestFile(const std::string& file, std::ostream& out) {
  FileRunner runner(file, out);
  return runner.Run();
}

int RunTestFiles(const std::vector<std::string>& files, std::ostream& out) {
  bool failed = false;
  bool io_error = false;
  for (const std::string& file : files) {
    const FileOutcome outcome = RunTestFile(file, out);
    failed |= !outcome.passed;
    io_error |= outcome.io_error;
  }
  if (io_error) return 2;
  return failed ? 1 : 0;
}

}  // namespace inferwatch::rules::unittest
