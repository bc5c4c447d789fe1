// format_ratio_bench TEXT_FILE OPENMETRICS_FILE PAIRS: OpenMetrics parse speed over text parse
// speed, for the same data written in the two formats (issue #2 asks for at least 0.9x).
//
// On a shared VM the speed of one run drifts by 30% within minutes, more than the difference
// measured, so two runs of parse_bench seconds apart gave ratios from 0.8 to 1.1. Here both
// payloads live in one process and single parses alternate (text, OpenMetrics, OpenMetrics,
// text, ...), so the two parses of a pair run within half a second of each other.
// Prints two lines (MB = 1e6 bytes):
//   best text <MB/s> openmetrics <MB/s> ratio <r>   the fastest parse of each: the machine's
//                                                    undisturbed speed, the steadiest figure
//   ratio <median> q1 <q1> q3 <q3> text <MB/s> openmetrics <MB/s>
//                                                    the pairs' ratios and the median speeds
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/parse_bench_support.h"
#include "parsers/exposition.h"

namespace {

namespace parsers = inferwatch::parsers;

using Consumer = inferwatch::bench::ChecksumConsumer;

struct Payload {
  std::string path;
  std::string body;
  parsers::Format format = parsers::Format::kPrometheusText;
};

bool Load(const char* path, Payload& payload) {
  if (!inferwatch::bench::ReadWholeFile(path, payload.body)) {
    std::fprintf(stderr, "format_ratio_bench: cannot read %s: %s\n", path, std::strerror(errno));
    return false;
  }
  payload.path = path;
  payload.format = parsers::DetectFormat("", payload.body);
  return true;
}

// MB/s of one parse; negative on a parse error.
double ParseOnce(const Payload& payload, double& checksum) {
  const parsers::Limits limits = inferwatch::bench::BenchLimits();
  Consumer consumer;
  const auto start = std::chrono::steady_clock::now();
  const auto error = parsers::Parse(payload.body, payload.format, consumer, limits);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (error) {
    std::fprintf(stderr, "format_ratio_bench: %s:%s\n", payload.path.c_str(),
                 error->ToString().c_str());
    return -1;
  }
  checksum += consumer.checksum();
  return static_cast<double>(payload.body.size()) / 1e6 / seconds;
}

// The value at rank round(q * (n - 1)) of the sorted values; q = 1 is the largest.
double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(std::lround(q * static_cast<double>(values.size() - 1)))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: format_ratio_bench TEXT_FILE OPENMETRICS_FILE PAIRS\n");
    return 2;
  }
  Payload text;
  Payload open_metrics;
  if (!Load(argv[1], text) || !Load(argv[2], open_metrics)) return 2;
  if (text.format != parsers::Format::kPrometheusText ||
      open_metrics.format != parsers::Format::kOpenMetrics) {
    std::fprintf(stderr, "format_ratio_bench: want a text payload, then an OpenMetrics one\n");
    return 2;
  }
  const int pairs = std::max(1, std::atoi(argv[3]));
  double checksum = 0;
  // One untimed parse each: page the payloads in and size the parser's buffers.
  if (ParseOnce(text, checksum) < 0 || ParseOnce(open_metrics, checksum) < 0) return 1;
  std::vector<double> text_speeds;
  std::vector<double> open_metrics_speeds;
  std::vector<double> ratios;
  for (int pair = 0; pair < pairs; ++pair) {
    // Alternating which goes first cancels a steady drift across a pair.
    const bool text_first = pair % 2 == 0;
    double text_speed = 0;
    double open_metrics_speed = 0;
    if (text_first) text_speed = ParseOnce(text, checksum);
    open_metrics_speed = ParseOnce(open_metrics, checksum);
    if (!text_first) text_speed = ParseOnce(text, checksum);
    if (text_speed < 0 || open_metrics_speed < 0) return 1;
    text_speeds.push_back(text_speed);
    open_metrics_speeds.push_back(open_metrics_speed);
    ratios.push_back(open_metrics_speed / text_speed);
    std::fprintf(stderr, "pair %d: text %.1f MB/s, openmetrics %.1f MB/s, ratio %.3f\n", pair + 1,
                 text_speed, open_metrics_speed, ratios.back());
  }
  std::fprintf(stderr, "checksum=%g\n", checksum);
  const double best_text = Quantile(text_speeds, 1.0);
  const double best_open_metrics = Quantile(open_metrics_speeds, 1.0);
  std::printf("best text %.1f openmetrics %.1f ratio %.3f\n", best_text, best_open_metrics,
              best_open_metrics / best_text);
  std::printf("ratio %.3f q1 %.3f q3 %.3f text %.1f openmetrics %.1f\n", Quantile(ratios, 0.5),
              Quantile(ratios, 0.25), Quantile(ratios, 0.75), Quantile(text_speeds, 0.5),
              Quantile(open_metrics_speeds, 0.5));
  return 0;
}
