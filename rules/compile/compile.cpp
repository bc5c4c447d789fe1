#include "rules/compile/compile.h"

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "rules/promql/duration.h"
#include "rules/rulefile/loader.h"
#include "rules/text/quote.h"

namespace inferwatch::rules::compile {

namespace {

// Multi-line expressions read best as literal blocks; fall back to quoting when a block could
// not carry the text exactly (leading blanks, trailing blanks on a line, control characters).
std::string Scalar(std::string_view text, int indent) {
  if (text.find('\n') == std::string_view::npos) return GoQuote(text);
  bool block_safe = !text.empty() && text.front() != ' ' && text.front() != '\t';
  std::size_t start = 0;
  while (block_safe && start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) block_safe = false;
    for (unsigned char c : line) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) block_safe = false;
    }
    start = end + 1;
  }
  if (!block_safe) return GoQuote(text);
  std::string_view body = text;
  std::string chomp = "|-";
  if (body.ends_with('\n')) {
    body.remove_suffix(1);
    chomp = body.ends_with('\n') ? "|+" : "|";
    if (chomp == "|+") body = text;
  }
  std::string out = chomp;
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    const std::string_view line = body.substr(start, end - start);
    out += '\n';
    if (!line.empty()) out += pad;
    out += line;
    if (end == body.size()) break;
    start = end + 1;
  }
  return out;
}

void WriteKeyValues(std::string_view key, const rulefile::KeyValues& pairs, std::ostream& out) {
  if (pairs.empty()) return;
  out << "        " << key << ":\n";
  for (const auto& [name, value] : pairs) {
    out << "          " << name << ": " << Scalar(value, 12) << '\n';
  }
}

}  // namespace

void WriteRuleGroups(const std::vector<rulefile::RuleGroup>& groups, std::ostream& out) {
  if (groups.empty()) {
    out << "groups: []\n";
    return;
  }
  out << "groups:\n";
  for (const rulefile::RuleGroup& group : groups) {
    out << "  - name: " << GoQuote(group.name) << '\n';
    if (group.interval_ms > 0) {
      out << "    interval: " << promql::FormatDurationMs(group.interval_ms) << '\n';
    }
    if (group.limit > 0) out << "    limit: " << group.limit << '\n';
    if (group.rules.empty()) {
      out << "    rules: []\n";
      continue;
    }
    out << "    rules:\n";
    for (const rulefile::Rule& rule : group.rules) {
      const bool alert = rule.kind == rulefile::RuleKind::kAlert;
      out << "      - " << (alert ? "alert: " : "record: ") << GoQuote(rule.name) << '\n';
      out << "        expr: " << Scalar(rule.expr, 10) << '\n';
      if (alert && rule.for_ms > 0) {
        out << "        for: " << promql::FormatDurationMs(rule.for_ms) << '\n';
      }
      if (alert && rule.keep_firing_for_ms > 0) {
        out << "        keep_firing_for: " << promql::FormatDurationMs(rule.keep_firing_for_ms)
            << '\n';
      }
      WriteKeyValues("labels", rule.labels, out);
      if (alert) WriteKeyValues("annotations", rule.annotations, out);
    }
  }
}

int CompileFiles(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  std::vector<rulefile::RuleGroup> all;
  std::map<std::string, std::string> group_files;
  bool failed = false;
  bool io_error = false;
  for (const std::string& file : files) {
    rulefile::LoadResult result = rulefile::LoadRuleFile(file);
    for (const auto& diagnostic : result.diagnostics) {
      err << rulefile::FormatDiagnostic(diagnostic) << '\n';
    }
    io_error |= result.io_error;
    if (!result.ok()) {
      failed = true;
      continue;
    }
    for (rulefile::RuleGroup& group : result.groups) {
      auto [it, inserted] = group_files.emplace(group.name, file);
      if (!inserted) {
        err << rulefile::FormatDiagnostic(rulefile::Diagnostic{
                   group.pos.file, group.pos.line, group.pos.column,
                   fmt::format("group name \"{}\" is also used in {}", group.name, it->second)})
            << '\n';
        failed = true;
        continue;
      }
      all.push_back(std::move(group));
    }
  }
  if (io_error) return 2;
  if (failed) return 1;
  WriteRuleGroups(all, out);
  return 0;
}

}  // namespace inferwatch::rules::compile
