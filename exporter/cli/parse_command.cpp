// `inferwatch parse`: runs the exposition parser over a file and prints samples, a summary or
// lint findings.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/cli/commands.h"
#include "parsers/exposition.h"
#include "parsers/lint.h"

namespace inferwatch::cli {
namespace {

namespace parsers = inferwatch::parsers;

constexpr std::string_view kUsage =
    "Usage: inferwatch parse [--format=json|text] [--input-format=auto|prometheus|openmetrics]\n"
    "                        [--lint] FILE|-\n"
    "\n"
    "Parses a Prometheus text (0.0.4) or OpenMetrics 1.0 exposition payload from FILE, or from\n"
    "standard input when FILE is '-'.\n"
    "\n"
    "  --format=text    (default) one line per metric family: name, type, sample count; then "
    "totals\n"
    "  --format=json    one JSON object per sample and line:\n"
    "                   {\"family\":..,\"type\":..,\"name\":..,\"labels\":{..},\"value\":..,"
    "\"timestamp_ms\":..}\n"
    "                   value is a number or one of \"NaN\", \"+Inf\", \"-Inf\"; timestamp_ms is\n"
    "                   null when the sample has no timestamp\n"
    "  --input-format=auto|prometheus|openmetrics\n"
    "                   grammar to use; auto (default) picks OpenMetrics when the payload ends\n"
    "                   with \"# EOF\"\n"
    "  --lint           report problems that are legal but wrong (missing +Inf bucket,\n"
    "                   non-cumulative buckets, _count differing from +Inf, duplicate series,\n"
    "                   counters without _total, non-base units, missing HELP) as\n"
    "                   FILE:LINE:COL: message; exit 1 when there is any\n"
    "  -h, --help       show this help\n"
    "\n"
    "No limit applies to the payload size or sample count here; line, label and label value\n"
    "limits are the parser's defaults.\n"
    "Exit status: 0 success, 1 parse error (FILE:LINE:COL: reason on stderr) or lint findings,\n"
    "2 usage or I/O error.\n";

struct Options {
  bool json = false;
  bool lint = false;
  std::string input_format = "auto";
  std::string file;
};

int UsageError(const std::string& message) {
  std::cerr << "inferwatch parse: " << message << "\n\n" << kUsage;
  return 2;
}

bool ReadInput(const std::string& file, std::string& body, std::string& error) {
  if (file == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    body = std::move(buffer).str();
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot open " + file;
    return false;
  }
  body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "cannot read " + file;
    return false;
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\r':
        out.append("\\r");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned char>(c));
          out.append(escaped);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendJsonNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("\"NaN\"");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "\"+Inf\"" : "\"-Inf\"");
  } else {
    char digits[64];
    const auto result = std::to_chars(digits, digits + sizeof(digits), value);
    out.append(digits, result.ptr);
  }
}

class JsonPrinter : public parsers::SampleHandler {
 public:
  ~JsonPrinter() override { Flush(); }
  bool OnSample(const parsers::Sample& sample) override {
    out_.append("{\"family\":");
    AppendJsonString(out_, sample.family);
    out_.append(",\"type\":");
    AppendJsonString(out_, parsers::MetricTypeName(sample.type));
    out_.append(",\"name\":");
    AppendJsonString(out_, sample.name);
    out_.append(",\"labels\":{");
    bool first = true;
    for (const parsers::Label& label : sample.labels) {
      if (!first) out_.push_back(',');
      first = false;
      AppendJsonString(out_, label.name);
      out_.push_back(':');
      AppendJsonString(out_, label.value);
    }
    out_.append("},\"value\":");
    AppendJsonNumber(out_, sample.value);
    out_.append(",\"timestamp_ms\":");
    if (sample.timestamp_ms) {
      out_.append(std::to_string(*sample.timestamp_ms));
    } else {
      out_.append("null");
    }
    out_.append("}\n");
    if (out_.size() > (1u << 16)) Flush();
    return true;
  }
  void Flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }

 private:
  std::string out_;
};

class SummaryPrinter : public parsers::SampleHandler {
 public:
  bool OnFamily(const parsers::Family& family) override {
    families_.push_back(Row{std::string(family.name), family.type, 0});
    return true;
  }
  bool OnSample(const parsers::Sample& /*sample*/) override {
    ++families_.back().samples;
    return true;
  }
  void Print(parsers::Format format) const {
    std::size_t width = 6;
    for (const Row& row : families_) width = std::max(width, row.name.size());
    std::size_t samples = 0;
    std::printf("%-*s  %-14s  %s\n", static_cast<int>(width), "FAMILY", "TYPE", "SAMPLES");
    for (const Row& row : families_) {
      const std::string type(parsers::MetricTypeName(row.type));
      std::printf("%-*s  %-14s  %zu\n", static_cast<int>(width), row.name.c_str(), type.c_str(),
                  row.samples);
      samples += row.samples;
    }
    std::printf(
        "\n%zu families, %zu samples (%s)\n", families_.size(), samples,
        format == parsers::Format::kOpenMetrics ? "OpenMetrics 1.0" : "Prometheus text 0.0.4");
  }

 private:
  struct Row {
    std::string name;
    parsers::MetricType type;
    std::size_t samples;
  };
  std::vector<Row> families_;
};

}  // namespace

int RunParse(const Args& args) {
  Options options;
  bool have_file = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if ((arg == "--format" || arg == "--input-format") && i + 1 < args.size()) {
      arg += "=" + args[++i];
    }
    if (arg.starts_with("--format=")) {
      const std::string value = arg.substr(9);
      if (value != "json" && value != "text") return UsageError("--format must be json or text");
      options.json = value == "json";
    } else if (arg.starts_with("--input-format=")) {
      options.input_format = arg.substr(15);
      if (options.input_format != "auto" && options.input_format != "prometheus" &&
          options.input_format != "openmetrics") {
        return UsageError("--input-format must be auto, prometheus or openmetrics");
      }
    } else if (arg == "--lint") {
      options.lint = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return UsageError("unknown option " + arg);
    } else if (have_file) {
      return UsageError("only one FILE may be given");
    } else {
      options.file = arg;
      have_file = true;
    }
  }
  if (!have_file) return UsageError("missing FILE (use - for standard input)");

  std::string body;
  std::string read_error;
  if (!ReadInput(options.file, body, read_error)) {
    std::cerr << "inferwatch parse: " << read_error << "\n";
    return 2;
  }
  parsers::Format format = parsers::DetectFormat("", body);
  if (options.input_format == "prometheus") format = parsers::Format::kPrometheusText;
  if (options.input_format == "openmetrics") format = parsers::Format::kOpenMetrics;
  parsers::Limits limits;
  limits.max_body_bytes = 0;
  limits.max_samples = 0;

  if (options.lint) {
    const parsers::LintResult result = parsers::Lint(body, format, limits);
    if (result.error) {
      std::cerr << options.file << ":" << result.error->ToString() << "\n";
      return 1;
    }
    for (const parsers::LintFinding& finding : result.findings) {
      std::cout << options.file << ":" << finding.ToString() << "\n";
    }
    return result.findings.empty() ? 0 : 1;
  }
  std::optional<parsers::ParseError> error;
  if (options.json) {
    JsonPrinter printer;
    error = parsers::Parse(body, format, printer, limits);
  } else {
    SummaryPrinter printer;
    error = parsers::Parse(body, format, printer, limits);
    if (!error) printer.Print(format);
  }
  std::fflush(stdout);
  if (error) {
    std::cerr << options.file << ":" << error->ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace inferwatch::cli
