#include "exporter/scrape/http_fetch.h"

#include <httplib.h>

#include <charconv>

#include <fmt/format.h>

namespace inferwatch::exporter::scrape {

std::string_view ScrapeErrorReason(ScrapeError error) {
  switch (error) {
    case ScrapeError::kNone:
      return "";
    case ScrapeError::kTimeout:
      return "timeout";
    case ScrapeError::kConnection:
      return "connection";
    case ScrapeError::kHttpStatus:
      return "http_status";
    case ScrapeError::kBodyTooLarge:
      return "body_too_large";
    case ScrapeError::kParse:
      return "parse";
    case ScrapeError::kSampleLimit:
      return "sample_limit";
  }
  return "unknown";
}

FetchResult Fetch(const discovery::Target& target, std::size_t body_limit) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + target.timeout;
  FetchResult result;

  httplib::Client client(target.scheme + "://" + target.address);
  const auto timeout_us =
      std::chrono::duration_cast<std::chrono::microseconds>(target.timeout).count();
  const auto seconds = static_cast<time_t>(timeout_us / 1'000'000);
  const auto micros = static_cast<time_t>(timeout_us % 1'000'000);
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  client.set_keep_alive(false);
  client.set_follow_location(false);
  client.set_decompress(true);

  const httplib::Headers headers = {
      {"Accept", std::string(kAcceptHeader)},
      {"Accept-Encoding", "gzip"},
      {"User-Agent", "inferwatch/" INFERWATCH_VERSION},
      {"X-Prometheus-Scrape-Timeout-Seconds",
       fmt::format("{:g}", static_cast<double>(timeout_us) / 1e6)},
  };
  bool too_large = false;
  bool past_deadline = false;
  auto on_response = [&](const httplib::Response& response) {
    result.status = response.status;
    result.content_type = response.get_header_value("Content-Type");
    if (body_limit > 0 && response.has_header("Content-Length")) {
      const std::string text = response.get_header_value("Content-Length");
      std::size_t length = 0;
      std::from_chars(text.data(), text.data() + text.size(), length);
      if (length > body_limit) too_large = result.status >= 200 && result.status < 300;
    }
    return result.status >= 200 && result.status < 300 && !too_large;
  };
  auto on_content = [&](const char* data, std::size_t length) {
    if (body_limit > 0 && result.body.size() + length > body_limit) {
      too_large = true;
      return false;
    }
    if (Clock::now() > deadline) {
      past_deadline = true;
      return false;
    }
    result.body.append(data, length);
    return true;
  };
  auto response = client.Get(target.metrics_path, headers, on_response, on_content);
  const bool timed_out = past_deadline || Clock::now() >= deadline;

  if (too_large) {
    result.error = ScrapeError::kBodyTooLarge;
    result.message = fmt::format("body exceeds body_size_limit of {} bytes", body_limit);
  } else if (result.status != 0 && (result.status < 200 || result.status >= 300)) {
    result.error = ScrapeError::kHttpStatus;
    result.message = fmt::format("server returned HTTP status {}", result.status);
  } else if (!response) {
    const auto error = response.error();
    if (timed_out || error == httplib::Error::ConnectionTimeout) {
      result.error = ScrapeError::kTimeout;
      result.message = fmt::format("no complete response within {} ms", target.timeout.count());
    } else if (error == httplib::Error::Read && result.status != 0) {
      result.error = ScrapeError::kParse;
      result.message = "response body ended early";
    } else {
      result.error = ScrapeError::kConnection;
      result.message = httplib::to_string(error);
    }
  } else if (timed_out) {
    result.error = ScrapeError::kTimeout;
    result.message = fmt::format("no complete response within {} ms", target.timeout.count());
  }
  if (result.error != ScrapeError::kNone) result.body.clear();
  return result;
}

}  // namespace inferwatch::exporter::scrape
