// Go text/template, the subset Prometheus alert labels and annotations use: {{ $labels.x }},
// {{ $value }}, {{ $externalLabels.x }}, {{ $externalURL }}, {{ .Labels.x }}, {{ .Value }},
// pipes, parenthesised calls, variables, if/else/with/range, trim markers and comments, and the
// functions humanize, humanize1024, humanizeDuration, humanizePercentage, printf, print, toUpper,
// toLower, title, reReplaceAll, match, stripPort, eq/ne/lt/le/gt/ge, and/or/not, len, index.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "rules/template/value.h"

namespace inferwatch::rules::templating {

struct TemplateData {
  LabelMap labels;
  LabelMap external_labels;
  std::string external_url;
  double value = 0;
};

struct TemplateError {
  std::string message;
};

class Template {
 public:
  struct Tree;  // the parsed form (template.cpp)

  // Parses text; unknown functions and malformed actions are errors here, as in Go.
  static std::variant<Template, TemplateError> Parse(std::string_view text);
  // Runs with Prometheus's alert prelude: `.` is the data and $labels, $externalLabels,
  // $externalURL and $value are defined.
  std::variant<std::string, TemplateError> Execute(const TemplateData& data) const;

 private:
  explicit Template(std::shared_ptr<const Tree> tree) : tree_(std::move(tree)) {}
  std::shared_ptr<const Tree> tree_;
};

// What Prometheus does for an alert's labels and annotations: parse and run, and on any error
// return "<error expanding template: ...>" instead.
std::string ExpandAlertTemplate(std::string_view text, const TemplateData& data);

}  // namespace inferwatch::rules::templating
