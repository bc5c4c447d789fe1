#include "exporter/daemon/status_pages.h"

#include <algorithm>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace inferwatch::exporter::daemon {
namespace {

std::string Html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Iso8601(const std::chrono::system_clock::time_point& time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z",
                     std::chrono::time_point_cast<std::chrono::milliseconds>(time));
}

}  // namespace

std::vector<Finding> ActiveFindings(const store::ShortTermStore& store, std::int64_t now_ms) {
  std::vector<Finding> findings;
  store.ForEachCurrent(now_ms, [&](const rules::Labels& labels, const rules::SamplePoint& point) {
    const std::string_view name = labels.MetricName();
    if (name == "llm_bottleneck_active" && point.v == 1) {
      findings.push_back({"bottleneck", std::string(labels.Get("target")),
                          std::string(labels.Get("bottleneck")),
                          fmt::format("severity {}", labels.Get("severity"))});
    } else if (name == "llm_recommendation_info" && point.v == 1) {
      findings.push_back(
          {"recommendation", std::string(labels.Get("target")),
           std::string(labels.Get("recommendation")),
           fmt::format("{}: {} -> {} (priority {})", labels.Get("parameter"), labels.Get("current"),
                       labels.Get("suggested"), labels.Get("priority"))});
    }
  });
  return findings;
}

nlohmann::json TargetsJson(const std::vector<scrape::TargetStatus>& targets) {
  nlohmann::json active = nlohmann::json::array();
  for (const auto& status : targets) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [name, value] : status.target.labels.pairs())
      labels[std::string(name)] = value;
    labels["target"] = status.target.address;
    active.push_back({
        {"job", status.target.job},
        {"target", status.target.address},
        {"scrapeUrl", status.target.Url()},
        {"labels", labels},
        {"configuredEngine", status.target.engine},
        {"engine", status.engine},
        {"engineVersion", status.version},
        {"health", status.health},
        {"lastError", status.last_error},
        {"lastScrape", status.last_scrape ? Iso8601(*status.last_scrape) : ""},
        {"lastScrapeDuration", status.last_duration_seconds},
        {"samples", status.samples},
        {"unmappedSeries", status.unmapped_series},
        {"scrapeInterval", config::FormatDuration(status.target.interval)},
        {"scrapeTimeout", config::FormatDuration(status.target.timeout)},
    });
  }
  return {{"activeTargets", active}};
}

std::string RenderLandingPage(const LandingPage& page) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>inferwatch</title>\n"
      "<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
      "td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.up{{color:#080}}"
      ".down{{color:#b00}}.unknown{{color:#888}}</style></head><body>\n"
      "<h1>inferwatch</h1>\n<p>LLM inference exporter, version {}. Configuration: {}{}.</p>\n"
      "<p><a href=\"{}\">Metrics</a> | <a href=\"/api/v1/targets\">Targets (JSON)</a> | "
      "<a href=\"/-/healthy\">Health</a> | <a href=\"/-/ready\">Readiness</a></p>\n",
      Html(page.version), Html(page.config_file.empty() ? "built-in" : page.config_file),
      page.last_reload_successful ? "" : " <b class=\"down\">(last reload failed)</b>",
      Html(page.telemetry_path));

  out +=
      "<h2>Targets</h2>\n<table><tr><th>Job</th><th>Target</th><th>Engine</th><th>State</th>"
      "<th>Last scrape</th><th>Duration</th><th>Samples</th><th>Error</th></tr>\n";
  for (const auto& status : page.targets) {
    const std::string engine =
        status.engine.empty()
            ? status.target.engine
            : status.engine + (status.version.empty() ? "" : " " + status.version);
    out += fmt::format(
        "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td class=\"{}\">{}</td>"
        "<td>{}</td><td>{:.3f}s</td><td>{}</td><td>{}</td></tr>\n",
        Html(status.target.job), Html(status.target.Url()), Html(status.target.address),
        Html(engine), status.health, status.health,
        status.last_scrape ? Iso8601(*status.last_scrape) : "never", status.last_duration_seconds,
        status.samples, Html(status.last_error));
  }
  out += "</table>\n<h2>Active findings</h2>\n";
  if (page.findings.empty()) {
    out += "<p>None.</p>\n";
  } else {
    out += "<table><tr><th>Kind</th><th>Target</th><th>Name</th><th>Detail</th></tr>\n";
    for (const auto& finding : page.findings) {
      out +=
          fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", Html(finding.kind),
                      Html(finding.target), Html(finding.name), Html(finding.detail));
    }
    out += "</table>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace inferwatch::exporter::daemon
