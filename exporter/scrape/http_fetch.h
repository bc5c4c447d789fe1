// One HTTP GET of a target's metrics, bounded in time and size.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "exporter/discovery/target.h"

namespace inferwatch::exporter::scrape {

// Why a scrape failed; the names are the `reason` label of inferwatch_scrape_errors_total.
enum class ScrapeError {
  kNone,
  kTimeout,
  kConnection,
  kHttpStatus,
  kBodyTooLarge,
  kParse,
  kSampleLimit,
};
std::string_view ScrapeErrorReason(ScrapeError error);
inline constexpr ScrapeError kAllScrapeErrors[] = {
    ScrapeError::kTimeout,      ScrapeError::kConnection, ScrapeError::kHttpStatus,
    ScrapeError::kBodyTooLarge, ScrapeError::kParse,      ScrapeError::kSampleLimit};

inline constexpr std::string_view kAcceptHeader =
    "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

struct FetchResult {
  ScrapeError error = ScrapeError::kNone;
  int status = 0;
  std::string body;  // decompressed
  std::string content_type;
  std::string message;  // human-readable cause when error != kNone
};

// Fetches target.Url(). The whole exchange is bounded by target.timeout (connect, each read, and
// an overall deadline checked as the body arrives), and the body by body_limit bytes (0: none).
FetchResult Fetch(const discovery::Target& target, std::size_t body_limit);

}  // namespace inferwatch::exporter::scrape
