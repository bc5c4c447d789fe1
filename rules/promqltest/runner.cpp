#include "rules/promqltest/runner.h"

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "rules/promql/duration.h"
#include "rules/promql/engine.h"
#include "rules/promql/memory_storage.h"
#include "rules/promql/parser.h"
#include "rules/promql/series_notation.h"

namespace inferwatch::rules::promqltest {

namespace {

using promql::MemoryStorage;

std::string Trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// Values compare as Prometheus's test runner's almostEqual does.
bool AlmostEqual(double a, double b) {
  constexpr double kEpsilon = 0.000001;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || diff < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / (std::fabs(a) + std::fabs(b)) < kEpsilon;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

// Parses `name{a="b", ...}` at the start of text; returns the rest (the values) in *rest.
bool ParseSeriesDescription(std::string_view text, Labels* labels, std::string_view* rest,
                            std::string* error) {
  std::size_t pos = 0;
  std::vector<Labels::Pair> pairs;
  while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) ||
                               text[pos] == '_' || text[pos] == ':')) {
    ++pos;
  }
  if (pos > 0) pairs.emplace_back("__name__", std::string(text.substr(0, pos)));
  const bool has_braces = pos < text.size() && text[pos] == '{';
  if (has_braces) {
    ++pos;
    while (true) {
      while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == ','))
        ++pos;
      if (pos >= text.size()) {
        *error = "unterminated label set";
        return false;
      }
      if (text[pos] == '}') {
        ++pos;
        break;
      }
      const std::size_t name_start = pos;
      while (pos < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_')) {
        ++pos;
      }
      std::string name(text.substr(name_start, pos - name_start));
      while (pos < text.size() && text[pos] == ' ') ++pos;
      if (name.empty() || pos >= text.size() || text[pos] != '=') {
        *error = "expected label=\"value\" at column " + std::to_string(pos + 1);
        return false;
      }
      ++pos;
      while (pos < text.size() && text[pos] == ' ') ++pos;
      if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) {
        *error = "expected quoted label value at column " + std::to_string(pos + 1);
        return false;
      }
      const char quote = text[pos++];
      std::string value;
      while (pos < text.size() && text[pos] != quote) {
        if (text[pos] == '\\' && pos + 1 < text.size()) {
          ++pos;
          const char e = text[pos];
          value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          value += text[pos];
        }
        ++pos;
      }
      if (pos >= text.size()) {
        *error = "unterminated label value";
        return false;
      }
      ++pos;
      pairs.emplace_back(std::move(name), std::move(value));
    }
  }
  if (pairs.empty() && !has_braces) {
    *error = "expected a metric name or label set";
    return false;
  }
  *labels = Labels(pairs);
  *rest = text.substr(pos);
  return true;
}

struct Expectation {
  std::optional<Labels> labels;  // nullopt: a bare scalar
  double value = 0;
};

struct EvalCase {
  std::string expr;
  std::int64_t t_ms = 0;
  bool ordered = false;
  bool fail = false;
  int line = 0;
  std::vector<Expectation> expected;
};

// Checks one evaluation result against its expectations; returns "" when it matches.
std::string Compare(const EvalCase& c, const promql::Value& value) {
  if (const auto* scalar = std::get_if<promql::Scalar>(&value.data)) {
    if (c.expected.size() != 1 || c.expected[0].labels) {
      return "expected a vector with " + std::to_string(c.expected.size()) +
             " samples but got scalar " + FormatValue(scalar->value);
    }
    if (!AlmostEqual(c.expected[0].value, scalar->value)) {
      return "expected scalar " + FormatValue(c.expected[0].value) + " but got " +
             FormatValue(scalar->value);
    }
    return "";
  }
  const auto* vector = std::get_if<promql::Vector>(&value.data);
  if (vector == nullptr) return "received range or string result on instant evaluation";
  std::unordered_map<std::uint64_t, std::size_t> expected_by_hash;
  for (std::size_t i = 0; i < c.expected.size(); ++i) {
    if (!c.expected[i].labels) return "expected a scalar but got an instant vector";
    expected_by_hash[c.expected[i].labels->Hash()] = i;
  }
  std::vector<bool> seen(c.expected.size(), false);
  for (std::size_t pos = 0; pos < vector->size(); ++pos) {
    const auto& sample = (*vector)[pos];
    auto it = expected_by_hash.find(sample.labels.Hash());
    if (it == expected_by_hash.end()) {
      return "unexpected metric " + sample.labels.ToString() + " " + FormatValue(sample.value) +
             " in result";
    }
    const Expectation& expectation = c.expected[it->second];
    if (c.ordered && it->second != pos) {
      return "expected metric " + sample.labels.ToString() + " at position " +
             std::to_string(it->second + 1) + " but was at " + std::to_string(pos + 1);
    }
    if (!AlmostEqual(expectation.value, sample.value)) {
      return "expected " + FormatValue(expectation.value) + " for " + sample.labels.ToString() +
             " but got " + FormatValue(sample.value);
    }
    seen[it->second] = true;
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return "expected metric " + c.expected[i].labels->ToString() + " " +
             FormatValue(c.expected[i].value) + " not found";
    }
  }
  return "";
}

class FileRunner {
 public:
  FileRunner(std::string path, std::ostream& out, RunSummary& summary)
      : path_(std::move(path)), out_(out), summary_(summary) {}

  void Run() {
    std::ifstream in(path_);
    if (!in) {
      Failure(0, "", "cannot read file");
      return;
    }
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      std::string trimmed = Trim(line);
      if (!trimmed.empty() && trimmed[0] == '#') trimmed.clear();
      lines.push_back(std::move(trimmed));
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (line.empty()) continue;
      const int line_number = static_cast<int>(i + 1);
      if (line == "clear") {
        storage_.Clear();
      } else if (line.rfind("load ", 0) == 0) {
        i = Load(lines, i);
      } else if (line.rfind("eval", 0) == 0) {
        i = Eval(lines, i);
      } else {
        Failure(line_number, line, "unknown command");
      }
    }
  }

 private:
  void Failure(int line, const std::string& expr, const std::string& message) {
    const std::string where = path_ + ":" + std::to_string(line) + ": " + expr;
    out_ << where << "\n  " << message << "\n";
    summary_.failed++;
    summary_.failures.push_back(where);
  }

  std::size_t Load(const std::vector<std::string>& lines, std::size_t i) {
    const int line_number = static_cast<int>(i + 1);
    const std::optional<std::int64_t> step = promql::ParseDurationMs(Trim(lines[i].substr(5)));
    if (!step) {
      Failure(line_number, lines[i], "invalid load step");
    }
    std::size_t j = i + 1;
    for (; j < lines.size() && !lines[j].empty(); ++j) {
      Labels labels;
      std::string_view rest;
      std::string error;
      if (!ParseSeriesDescription(lines[j], &labels, &rest, &error)) {
        Failure(static_cast<int>(j + 1), lines[j], error);
        continue;
      }
      auto expanded = promql::ExpandSeriesValues(rest);
      if (auto* bad = std::get_if<promql::SeriesNotationError>(&expanded)) {
        Failure(static_cast<int>(j + 1), lines[j], bad->message);
        continue;
      }
      const auto& values = std::get<promql::SeriesValues>(expanded);
      for (std::size_t k = 0; k < values.size(); ++k) {
        if (values[k] && step) {
          storage_.Append(labels, static_cast<std::int64_t>(k) * *step, *values[k]);
        }
      }
    }
    return j - 1;
  }

  std::size_t Eval(const std::vector<std::string>& lines, std::size_t i) {
    const std::string& line = lines[i];
    const int line_number = static_cast<int>(i + 1);
    EvalCase c;
    c.line = line_number;
    std::istringstream words(line);
    std::string command, kind, at, time_text;
    words >> command >> kind >> at >> time_text;
    std::getline(words, c.expr);
    c.expr = Trim(c.expr);
    std::size_t j = i + 1;
    std::string error;
    for (; j < lines.size() && !lines[j].empty(); ++j) {
      Expectation expectation;
      if (std::optional<double> number = promql::ParseSeriesNumber(lines[j])) {
        expectation.value = *number;
        c.expected.push_back(expectation);
        continue;
      }
      Labels labels;
      std::string_view rest;
      if (!ParseSeriesDescription(lines[j], &labels, &rest, &error)) break;
      auto expanded = promql::ExpandSeriesValues(rest);
      const auto* values = std::get_if<promql::SeriesValues>(&expanded);
      if (values == nullptr || values->size() != 1 || !(*values)[0]) {
        error = "invalid expected value in \"" + lines[j] + "\"";
        break;
      }
      expectation.labels = std::move(labels);
      expectation.value = *(*values)[0];
      c.expected.push_back(std::move(expectation));
    }
    while (j < lines.size() && !lines[j].empty()) ++j;
    if (command != "eval" && command != "eval_ordered" && command != "eval_fail") {
      error = "unknown command \"" + command + "\"";
    } else if (kind != "instant" || at != "at") {
      error = "only \"instant at <time>\" evaluations are supported";
    }
    c.ordered = command == "eval_ordered";
    c.fail = command == "eval_fail";
    const std::optional<std::int64_t> t = promql::ParseDurationMs(time_text);
    if (!t && error.empty()) error = "invalid evaluation time \"" + time_text + "\"";
    if (!error.empty()) {
      Failure(line_number, c.expr, error);
      return j - 1;
    }
    c.t_ms = *t;
    RunCase(c);
    return j - 1;
  }

  void RunCase(const EvalCase& c) {
    auto parsed = promql::ParseExpr(c.expr);
    std::string error;
    std::optional<promql::Value> value;
    if (auto* parse_error = std::get_if<promql::ParseError>(&parsed)) {
      error = promql::FormatParseError(c.expr, *parse_error);
    } else {
      auto result = promql::EvalInstant(*std::get<promql::ExprPtr>(parsed), storage_, c.t_ms);
      if (auto* eval_error = std::get_if<promql::EvalError>(&result)) {
        error = eval_error->message;
      } else {
        value = std::move(std::get<promql::Value>(result));
      }
    }
    if (c.fail) {
      if (error.empty()) {
        Failure(c.line, c.expr, "expected an error but the query succeeded");
      } else {
        summary_.passed++;
      }
      return;
    }
    if (!error.empty()) {
      Failure(c.line, c.expr, "unexpected error: " + error);
      return;
    }
    const std::string mismatch = Compare(c, *value);
    if (!mismatch.empty()) {
      Failure(c.line, c.expr, mismatch);
      return;
    }
    summary_.passed++;
  }

  std::string path_;
  std::ostream& out_;
  RunSummary& summary_;
  MemoryStorage storage_;
};

}  // namespace

RunSummary RunFilesSummary(const std::vector<std::string>& files, std::ostream& out) {
  RunSummary summary;
  for (const auto& file : files) FileRunner(file, out, summary).Run();
  out << summary.passed << " passed, " << summary.failed << " failed\n";
  return summary;
}

int RunFiles(const std::vector<std::string>& files, std::ostream& out) {
  return RunFilesSummary(files, out).failed == 0 ? 0 : 1;
}

}  // namespace inferwatch::rules::promqltest
