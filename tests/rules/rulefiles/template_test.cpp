// Expected strings are what Prometheus 2.42's template functions and Go's fmt print for the same
// inputs.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "rules/template/go_format.h"
#include "rules/template/humanize.h"
#include "rules/template/template.h"

namespace t = inferwatch::rules::templating;

namespace {

std::string Run(std::string_view text, double value = 0, t::LabelMap labels = {}) {
  t::TemplateData data;
  data.labels = std::move(labels);
  data.value = value;
  data.external_labels = {{"cluster", "eu-1"}};
  data.external_url = "http://prom.example:9090";
  auto parsed = t::Template::Parse(text);
  if (auto* error = std::get_if<t::TemplateError>(&parsed)) return "PARSE: " + error->message;
  auto result = std::get<t::Template>(parsed).Execute(data);
  if (auto* error = std::get_if<t::TemplateError>(&result)) return "EXEC: " + error->message;
  return std::get<std::string>(result);
}

}  // namespace

TEST_CASE("humanize matches Prometheus", "[template]") {
  CHECK(t::Humanize(1234567) == "1.235M");
  CHECK(t::Humanize(0) == "0");
  CHECK(t::Humanize(1000) == "1k");
  CHECK(t::Humanize(999.9) == "999.9");
  CHECK(t::Humanize(0.00123) == "1.23m");
  CHECK(t::Humanize(-2500) == "-2.5k");
  CHECK(t::Humanize(1e30) == "1e+06Y");
  CHECK(t::Humanize(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(t::Humanize(std::nan("")) == "NaN");
}

TEST_CASE("humanize1024 matches Prometheus", "[template]") {
  CHECK(t::Humanize1024(1048576) == "1Mi");
  CHECK(t::Humanize1024(1) == "1");
  CHECK(t::Humanize1024(1536) == "1.5ki");
  CHECK(t::Humanize1024(0.5) == "0.5");
}

TEST_CASE("humanizeDuration matches Prometheus", "[template]") {
  CHECK(t::HumanizeDuration(90) == "1m 30s");
  CHECK(t::HumanizeDuration(0) == "0s");
  CHECK(t::HumanizeDuration(1.5) == "1.5s");
  CHECK(t::HumanizeDuration(3600) == "1h 0m 0s");
  CHECK(t::HumanizeDuration(93784) == "1d 2h 3m 4s");
  CHECK(t::HumanizeDuration(-90) == "-1m 30s");
  CHECK(t::HumanizeDuration(0.25) == "250ms");
  CHECK(t::HumanizeDuration(0.0000015) == "1.5us");
}

TEST_CASE("humanizePercentage matches Prometheus", "[template]") {
  CHECK(t::HumanizePercentage(0.1234) == "12.34%");
  CHECK(t::HumanizePercentage(1) == "100%");
  CHECK(t::HumanizePercentage(0.123456) == "12.35%");
}

TEST_CASE("Go %v float formatting", "[template]") {
  CHECK(t::GoFormatFloat(1234567) == "1.234567e+06");
  CHECK(t::GoFormatFloat(123456) == "123456");
  CHECK(t::GoFormatFloat(0.5) == "0.5");
  CHECK(t::GoFormatFloat(0.0001) == "0.0001");
  CHECK(t::GoFormatFloat(0.00001) == "1e-05");
  CHECK(t::GoFormatFloat(1e21) == "1e+21");
  CHECK(t::GoFormatFloat(-3.25) == "-3.25");
  CHECK(t::GoFormatFloat(0.1 + 0.2) == "0.30000000000000004");
}

TEST_CASE("Go printf formatting", "[template]") {
  using V = t::Value;
  const V args1[] = {V::Float(3.14159)};
  CHECK(t::GoSprintf("%.2f", args1) == "3.14");
  CHECK(t::GoSprintf("%v", args1) == "3.14159");
  CHECK(t::GoSprintf("%8.3f|", args1) == "   3.142|");
  CHECK(t::GoSprintf("%d", args1) == "%!d(float64=3.14159)");
  const V args2[] = {V::String("vllm"), V::Int(42)};
  CHECK(t::GoSprintf("%s has %d", args2) == "vllm has 42");
  CHECK(t::GoSprintf("%s", args2) == "vllm%!(EXTRA int=42)");
  CHECK(t::GoSprintf("%s %s %s", args2) == "vllm %!s(int=42) %!s(MISSING)");
  CHECK(t::GoSprintf("%q %05d %%", args2) == "\"vllm\" 00042 %");
  CHECK(t::GoSprintf("%-6s|", args2) == "vllm  |%!(EXTRA int=42)");
}

TEST_CASE("alert template variables and fields", "[template]") {
  const t::LabelMap labels = {{"target", "10.0.0.7:8000"}, {"model", "llama"}};
  CHECK(Run("{{ $labels.target }} is at {{ $value }}", 0.95, labels) == "10.0.0.7:8000 is at 0.95");
  CHECK(Run("{{ .Labels.model }}/{{ .Value }}", 2, labels) == "llama/2");
  CHECK(Run("{{ $externalLabels.cluster }} {{ $externalURL }}") == "eu-1 http://prom.example:9090");
  CHECK(Run("[{{ $labels.absent }}]", 0, labels) == "[]");
  CHECK(Run("{{ $value }}", 1234567) == "1.234567e+06");
}

TEST_CASE("pipes and functions", "[template]") {
  const t::LabelMap labels = {{"instance", "host-1:9100"}, {"engine", "vllm"}};
  CHECK(Run("{{ $value | humanize }}", 1234567) == "1.235M");
  CHECK(Run("{{ humanizePercentage $value }}", 0.1234) == "12.34%");
  CHECK(Run("{{ $value | humanizeDuration }}", 90) == "1m 30s");
  CHECK(Run("{{ printf \"%.1f\" $value }}%", 93.44) == "93.4%");
  CHECK(Run("{{ $labels.engine | toUpper }}", 0, labels) == "VLLM");
  CHECK(Run("{{ \"ABC\" | toLower }}") == "abc");
  CHECK(Run("{{ reReplaceAll \":.*\" \"\" $labels.instance }}", 0, labels) == "host-1");
  CHECK(Run("{{ reReplaceAll \"(.*):(.*)\" \"$2@$1\" $labels.instance }}", 0, labels) ==
        "9100@host-1");
  CHECK(Run("{{ (printf \"%d\" 5) | printf \"n=%s\" }}") == "n=5");
  CHECK(Run("{{ \"1024\" | humanize1024 }}") == "1ki");
}

TEST_CASE("control structures, variables and trimming", "[template]") {
  CHECK(Run("{{ if gt $value 0.9 }}high{{ else if gt $value 0.5 }}mid{{ else }}low{{ end }}",
            0.7) == "mid");
  CHECK(Run("{{ if gt $value 0.9 }}high{{ else }}low{{ end }}", 0.95) == "high");
  CHECK(Run("a  {{- /* note */ -}}  b") == "ab");
  CHECK(Run("{{ $x := humanize $value }}[{{ $x }}]", 2000) == "[2k]");
  CHECK(Run("{{ range $k, $v := .Labels }}{{ $k }}={{ $v }};{{ end }}", 0,
            {{"b", "2"}, {"a", "1"}}) == "a=1;b=2;");
  CHECK(Run("{{ with $labels.model }}model {{ . }}{{ else }}no model{{ end }}", 0, {}) ==
        "no model");
}

TEST_CASE("template errors", "[template]") {
  CHECK(Run("{{ nosuch $value }}") == "PARSE: function \"nosuch\" not defined");
  CHECK(Run("{{ if $value }}x") == "PARSE: unexpected EOF: if without end");
  CHECK(Run("{{ $value ") == "PARSE: unclosed action");
  CHECK(Run("{{ humanize \"abc\" }}") ==
        "EXEC: error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax");
  CHECK(t::ExpandAlertTemplate("{{ $undefined }}", {}) ==
        "<error expanding template: error executing template: undefined variable \"$undefined\">");
}
