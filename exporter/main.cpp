// inferwatch: dispatches to a subcommand, or runs the daemon when none is named.
#include <string>
#include <string_view>

#include "exporter/cli/commands.h"

int main(int argc, char** argv) {
  using inferwatch::cli::Args;
  Args args(argv, argv + argc);
  if (args.size() >= 2) {
    const std::string_view command = args[1];
    const Args rest(args.begin() + 1, args.end());
    if (command == "parse") return inferwatch::cli::RunParse(rest);
    if (command == "rules") return inferwatch::cli::RunRules(rest);
    if (command == "simulate") return inferwatch::cli::RunSimulate(rest);
    if (command == "demo") return inferwatch::cli::RunDemo(rest);
    if (command == "check") return inferwatch::cli::RunCheck(rest);
  }
  return inferwatch::cli::RunDaemon(args);
}
