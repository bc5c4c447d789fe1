// The daemon, the demo and `check config`: command-line parsing and the process lifecycle
// (signals: SIGHUP reloads, SIGINT/SIGTERM stop).
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "exporter/cli/commands.h"
#include "exporter/config/config.h"
#include "exporter/daemon/daemon.h"
#include "exporter/daemon/demo.h"
#include "exporter/daemon/rule_runner.h"
#include "exporter/log/logger.h"

namespace inferwatch::cli {
namespace {

namespace log = exporter::log;

struct CommonFlags {
  std::string listen_address = "0.0.0.0:9464";
  std::string telemetry_path = "/metrics";
  bool enable_lifecycle = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

void AddCommonFlags(CLI::App& app, CommonFlags& flags) {
  app.add_option("--web.listen-address", flags.listen_address,
                 "Address to serve the UI, API and telemetry on (HOST:PORT)")
      ->capture_default_str();
  app.add_option("--web.telemetry-path", flags.telemetry_path, "Path of the metrics endpoint")
      ->capture_default_str();
  app.add_flag("--web.enable-lifecycle", flags.enable_lifecycle,
               "Allow reloading the configuration with POST /-/reload");
  app.add_option("--log.level", flags.log_level, "Only log at or above: debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log.format", flags.log_format, "Log line format: logfmt or json")
      ->check(CLI::IsMember({"logfmt", "json"}))
      ->capture_default_str();
}

void ConfigureLogger(const CommonFlags& flags) {
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kLogfmt;
  log::ParseLevel(flags.log_level, level);
  log::ParseFormat(flags.log_format, format);
  log::Default().Configure(level, format);
}

// CLI11 wants argc/argv; args[0] is the program or subcommand name.
int ParseArgs(CLI::App& app, const Args& args, bool& done) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    done = true;
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  done = false;
  return 0;
}

// Blocks the lifecycle signals in this thread and, by inheritance, in every thread started later,
// so they can be taken synchronously with sigwait.
sigset_t BlockLifecycleSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int RunUntilSignal(exporter::daemon::Daemon& daemon, const sigset_t& signals) {
  while (true) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      log::Default().Info("SIGHUP received, reloading the configuration");
      daemon.Reload();
      continue;
    }
    log::Default().Info("shutting down",
                        {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
    daemon.Stop();
    return 0;
  }
}

// Validates a configuration file and the rule files it names; prints the outcome.
bool CheckConfigFile(const std::string& path) {
  auto loaded = exporter::config::LoadFile(path);
  if (auto* error = std::get_if<exporter::config::ConfigError>(&loaded)) {
    std::cerr << error->ToString() << "\n";
    return false;
  }
  const auto& config = std::get<exporter::config::Config>(loaded);
  for (const auto& pattern : config.rule_files) {
    if (exporter::config::ExpandGlob(pattern, config.base_dir).empty()) {
      std::cerr << path << ": warning: rule_files pattern \"" << pattern << "\" matches no file\n";
    }
  }
  const auto rule_files = config.ResolveRuleFiles();
  auto rules = exporter::daemon::LoadRuleRunner(rule_files, config.global.evaluation_interval);
  if (auto* error = std::get_if<std::string>(&rules)) {
    std::cerr << *error << "\n";
    return false;
  }
  std::size_t targets = 0;
  for (const auto& scrape : config.scrape_configs) {
    for (const auto& group : scrape.static_configs) targets += group.targets.size();
  }
  std::cout << path << ": OK (" << config.scrape_configs.size() << " scrape configs, " << targets
            << " static targets, " << rule_files.size() << " rule files)\n";
  return true;
}

int StartAndServe(exporter::daemon::DaemonOptions options, const std::string& banner) {
  const sigset_t signals = BlockLifecycleSignals();
  exporter::daemon::Daemon daemon(std::move(options), log::Default());
  std::string error;
  if (!daemon.Start(error)) {
    log::Default().Error("cannot start", {{"err", error}});
    return error.find("bind") != std::string::npos ||
                   error.find("listen address") != std::string::npos
               ? 2
               : 1;
  }
  if (!banner.empty()) std::cout << banner << std::flush;
  return RunUntilSignal(daemon, signals);
}

}  // namespace

int RunDaemon(const Args& args) {
  CLI::App app("inferwatch: Prometheus exporter and rules engine for LLM inference servers",
               "inferwatch");
  CommonFlags flags;
  std::string config_file = "inferwatch.yml";
  bool config_check = false;
  bool version = false;
  app.add_option("--config.file", config_file, "inferwatch configuration file")
      ->capture_default_str();
  app.add_flag("--config.check", config_check,
               "Validate the configuration (and its rule files), then exit 0 or 1");
  app.add_flag("--version", version, "Print the version and exit");
  AddCommonFlags(app, flags);
  app.footer(
      "\nCommands (each has its own --help):\n"
      "  inferwatch demo                 the daemon on simulated vLLM, TGI and SGLang servers\n"
      "  inferwatch simulate             one simulated inference server\n"
      "  inferwatch parse FILE|-         parse or lint an exposition payload\n"
      "  inferwatch check config FILE    validate a configuration and its rule files\n"
      "  inferwatch rules check|test|compile|promqltest FILE...\n"
      "\nExit status: 0 success, 1 failure of what was checked, 2 usage or I/O error.");
  bool done = false;
  const int parse_code = ParseArgs(app, args, done);
  if (done) return parse_code;
  if (version) {
    std::cout << "inferwatch, version " << INFERWATCH_VERSION << "\n";
    return 0;
  }
  if (config_check) return CheckConfigFile(config_file) ? 0 : 1;
  ConfigureLogger(flags);

  exporter::daemon::DaemonOptions options;
  options.config_file = config_file;
  options.server = {flags.listen_address, flags.telemetry_path, flags.enable_lifecycle};
  return StartAndServe(std::move(options), "");
}

int RunCheck(const Args& args) {
  CLI::App app("Validate inferwatch files without starting the daemon", "inferwatch check");
  app.require_subcommand(1);
  std::vector<std::string> files;
  auto* config_command = app.add_subcommand("config", "Validate configuration files");
  config_command->add_option("files", files, "Configuration files")->required();
  bool done = false;
  const int parse_code = ParseArgs(app, args, done);
  if (done) return parse_code;
  bool all_ok = true;
  for (const auto& file : files) all_ok = CheckConfigFile(file) && all_ok;
  return all_ok ? 0 : 1;
}

int RunDemo(const Args& args) {
  CLI::App app("Run the daemon on simulated vLLM, TGI and SGLang servers", "inferwatch demo");
  CommonFlags flags;
  flags.enable_lifecycle = true;
  AddCommonFlags(app, flags);
  app.get_option("--web.enable-lifecycle")
      ->description(
          "Allow reloading the configuration with POST /-/reload (always on in the demo)");
  bool done = false;
  const int parse_code = ParseArgs(app, args, done);
  if (done) return parse_code;
  ConfigureLogger(flags);
  const sigset_t signals = BlockLifecycleSignals();
  auto demo = exporter::daemon::StartDemo(exporter::daemon::FindRulePack());
  if (auto* error = std::get_if<std::string>(&demo)) {
    log::Default().Error("cannot start the simulated servers", {{"err", *error}});
    return 2;
  }
  auto& environment = std::get<exporter::daemon::DemoEnvironment>(demo);
  exporter::daemon::DaemonOptions options;
  options.builtin_config = environment.config;
  options.server = {flags.listen_address, flags.telemetry_path, flags.enable_lifecycle};
  exporter::daemon::Daemon daemon(std::move(options), log::Default());
  std::string error;
  if (!daemon.Start(error)) {
    log::Default().Error("cannot start", {{"err", error}});
    return 2;
  }
  std::string host, port_text;
  int port = 0;
  exporter::server::ParseListenAddress(flags.listen_address, host, port);
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  const std::string base = "http://" + host + ":" + std::to_string(daemon.port());
  std::cout << "inferwatch demo running\n"
            << "  landing page: " << base << "/\n"
            << "  metrics:      " << base << flags.telemetry_path << "\n"
            << "  targets:      " << base << "/api/v1/targets\n";
  for (const auto& line : environment.description) std::cout << "  " << line << "\n";
  std::cout << "Press Ctrl-C to stop.\n" << std::flush;
  return RunUntilSignal(daemon, signals);
}

}  // namespace inferwatch::cli
