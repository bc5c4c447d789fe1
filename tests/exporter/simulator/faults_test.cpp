// Each fault mode over real HTTP on loopback, with short client timeouts.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "parsers/exposition.h"
#include "tests/exporter/simulator/sim_helpers.h"

namespace inferwatch::exporter::simulator {
namespace {

using testing::Make;
using Clock = std::chrono::steady_clock;

class NullHandler : public parsers::SampleHandler {
 public:
  bool OnSample(const parsers::Sample& /*sample*/) override { return true; }
};

std::optional<parsers::ParseError> ParseBody(const std::string& body) {
  NullHandler handler;
  return parsers::Parse(body, parsers::Format::kPrometheusText, handler);
}

struct Served {
  explicit Served(const std::string& fault) : server(WithFault(fault)) {
    REQUIRE(server.Start("127.0.0.1", 0));
    REQUIRE(server.port() > 0);
  }
  static Options WithFault(const std::string& fault) {
    Options options = Make("vllm", "healthy");
    options.fault = fault;
    return options;
  }
  httplib::Client Client(int timeout_ms) const {
    httplib::Client client("127.0.0.1", server.port());
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
    return client;
  }
  SimulatedServer server;
};

TEST_CASE("no fault: GET /metrics answers 200 with a parseable body", "[simulator][faults]") {
  Served s("none");
  auto client = s.Client(2000);
  const auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").starts_with("text/plain"));
  CHECK_FALSE(ParseBody(res->body));
  CHECK(client.Get("/other")->status == 404);
}

TEST_CASE("http500 answers 500", "[simulator][faults]") {
  Served s("http500");
  const auto res = s.Client(2000).Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 500);
}

TEST_CASE("truncated cuts the body in the middle of a line", "[simulator][faults]") {
  Served s("truncated");
  const auto res = s.Client(2000).Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  REQUIRE_FALSE(res->body.empty());
  CHECK(res->body.back() != '\n');
  CHECK(ParseBody(res->body));
}

TEST_CASE("garbage sends random bytes that do not parse", "[simulator][faults]") {
  Served s("garbage");
  const auto res = s.Client(2000).Get("/metrics");
  REQUIRE(res);
  CHECK(res->body.size() == 64 * 1024);
  CHECK(ParseBody(res->body));
}

TEST_CASE("slow answers only after the client gave up; a fault change releases it",
          "[simulator][faults]") {
  Served s("slow");
  const auto start = Clock::now();
  const auto res = s.Client(300).Get("/metrics");
  CHECK_FALSE(res);
  CHECK(Clock::now() - start < std::chrono::seconds(3));
  s.server.SetFault("none");
  const auto ok = s.Client(2000).Get("/metrics");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("hang never answers, and Stop() still returns promptly", "[simulator][faults]") {
  Served s("hang");
  const auto res = s.Client(300).Get("/metrics");
  CHECK_FALSE(res);
  const auto start = Clock::now();
  s.server.Stop();
  CHECK(Clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("huge announces more than 100 MB and streams it", "[simulator][faults]") {
  Served s("huge");
  auto client = s.Client(2000);
  std::size_t announced = 0;
  std::size_t received = 0;
  const auto res = client.Get(
      "/metrics",
      [&](const httplib::Response& response) {
        announced = std::stoull(response.get_header_value("Content-Length"));
        return true;
      },
      [&](const char* /*data*/, std::size_t length) {
        received += length;
        return received < (1u << 20);  // a scraper stops reading at its limit
      });
  CHECK(announced > 100'000'000);
  CHECK(received >= (1u << 20));
  CHECK(received < announced);
}

}  // namespace
}  // namespace inferwatch::exporter::simulator
