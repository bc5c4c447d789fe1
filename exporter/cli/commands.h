// Entry points of inferwatch's subcommands. Each takes the arguments after the subcommand name
// (args[0] is the subcommand itself) and returns the process exit code:
// 0 success, 1 failure of what was checked, 2 usage or I/O error.
#pragma once

#include <string>
#include <vector>

namespace inferwatch::cli {

using Args = std::vector<std::string>;

int RunParse(const Args& args);  // inferwatch parse ...          (exporter/cli/parse_command.cpp)
int RunRules(const Args& args);  // inferwatch rules check|test|compile|promqltest ...
int RunSimulate(const Args& args);  // inferwatch simulate ...
int RunDemo(const Args& args);      // inferwatch demo ...
int RunCheck(const Args& args);     // inferwatch check config ...
int RunDaemon(const Args& args);  // inferwatch [--config.file=F] ... (args[0] is the program name)

}  // namespace inferwatch::cli
