// parse_bench FILE REPS MIN_S: parser throughput over an in-memory payload.
// Each rep parses the payload repeatedly for at least MIN_S seconds (at least once); the median
// rep is reported as "inferwatch <MB/s> <samples/s>" on the last line (MB = 1e6 bytes; samples =
// lines neither empty nor starting with '#'). The grammar is detected from the body.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/parse_bench_support.h"
#include "parsers/exposition.h"

namespace {

namespace parsers = inferwatch::parsers;

using Consumer = inferwatch::bench::ChecksumConsumer;

std::size_t CountSampleLines(std::string_view body) {
  std::size_t samples = 0;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    if (end > start && body[start] != '#') ++samples;
    start = end + 1;
  }
  return samples;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: parse_bench FILE REPS MIN_S\n");
    return 2;
  }
  std::string body;
  if (!inferwatch::bench::ReadWholeFile(argv[1], body)) {
    std::fprintf(stderr, "parse_bench: cannot read %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  const int reps = std::max(1, std::atoi(argv[2]));
  const double min_seconds = std::atof(argv[3]);
  const parsers::Format format = parsers::DetectFormat("", body);
  const parsers::Limits limits = inferwatch::bench::BenchLimits();
  const std::size_t samples = CountSampleLines(body);

  std::vector<double> seconds_per_parse;
  double checksum = 0;
  for (int rep = 0; rep < reps; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    int parses = 0;
    do {
      Consumer consumer;
      if (const auto error = parsers::Parse(body, format, consumer, limits)) {
        std::fprintf(stderr, "parse_bench: %s:%s\n", argv[1], error->ToString().c_str());
        return 1;
      }
      checksum += consumer.checksum();
      ++parses;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < min_seconds);
    seconds_per_parse.push_back(elapsed / parses);
    std::fprintf(stderr, "rep %d: %d parses, %.1f MB/s\n", rep + 1, parses,
                 static_cast<double>(body.size()) / 1e6 / (elapsed / parses));
  }
  std::sort(seconds_per_parse.begin(), seconds_per_parse.end());
  const double median = seconds_per_parse[seconds_per_parse.size() / 2];
  std::fprintf(stderr, "format=%s bytes=%zu samples=%zu checksum=%g\n",
               format == parsers::Format::kOpenMetrics ? "openmetrics" : "prometheus", body.size(),
               samples, checksum);
  std::printf("inferwatch %.1f %.0f\n", static_cast<double>(body.size()) / 1e6 / median,
              static_cast<double>(samples) / median);
  return 0;
}
