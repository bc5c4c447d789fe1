// inferwatch rules check|test|compile|promqltest FILE...
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/cli/commands.h"
#include "rules/compile/compile.h"
#include "rules/promqltest/runner.h"
#include "rules/rulefile/loader.h"
#include "rules/unittest/runner.h"

namespace inferwatch::cli {

namespace {

constexpr std::string_view kUsage =
    "usage: inferwatch rules <command> FILE...\n"
    "\n"
    "commands:\n"
    "  check FILE...       validate rule files; every problem as FILE:LINE:COL: message\n"
    "  test FILE...        run promtool-format rule unit tests\n"
    "  compile FILE...     print the equivalent Prometheus rule groups (domain sections expanded)\n"
    "  promqltest FILE...  run PromQL test-language files\n"
    "\n"
    "exit status: 0 success, 1 failure of what was checked, 2 usage or I/O error\n";

int Check(const std::vector<std::string>& files) {
  bool failed = false;
  bool io_error = false;
  for (const std::string& file : files) {
    const rules::rulefile::LoadResult result = rules::rulefile::LoadRuleFile(file);
    for (const auto& diagnostic : result.diagnostics) {
      std::cerr << rules::rulefile::FormatDiagnostic(diagnostic) << '\n';
    }
    io_error |= result.io_error;
    if (!result.ok()) {
      failed = true;
      continue;
    }
    std::size_t rule_count = 0;
    for (const auto& group : result.groups) rule_count += group.rules.size();
    std::cout << file << ": OK, " << result.groups.size() << " groups, " << rule_count
              << " rules\n";
  }
  if (io_error) return 2;
  return failed ? 1 : 0;
}

}  // namespace

int RunRules(const Args& args) {
  if (args.size() < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help") {
    (args.size() < 2 ? std::cerr : std::cout) << kUsage;
    return args.size() < 2 ? 2 : 0;
  }
  const std::string& command = args[1];
  const std::vector<std::string> files(args.begin() + 2, args.end());
  if (command != "check" && command != "test" && command != "compile" && command != "promqltest") {
    std::cerr << "inferwatch rules: unknown command \"" << command << "\"\n" << kUsage;
    return 2;
  }
  if (files.empty()) {
    std::cerr << "inferwatch rules " << command << ": no files given\n" << kUsage;
    return 2;
  }
  if (command == "check") return Check(files);
  if (command == "test") return rules::unittest::RunTestFiles(files, std::cout);
  if (command == "compile") return rules::compile::CompileFiles(files, std::cout, std::cerr);
  return rules::promqltest::RunFiles(files, std::cout);
}

}  // namespace inferwatch::cli
