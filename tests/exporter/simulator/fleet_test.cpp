// The simulated fleet: addresses round-trip, targets are independent, scrapes are told apart by
// User-Agent and lateness is measured per target from successive scrapes.
#include "exporter/simulator/fleet.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "exporter/cli/commands.h"

namespace inferwatch::exporter::simulator {
namespace {

FleetOptions Small(std::size_t size, double interval = 15) {
  FleetOptions options;
  options.size = size;
  options.base.engine = "vllm";
  options.base.scenario = "healthy";
  options.base.speed = 5;
  options.expected_interval_seconds = interval;
  options.threads = 4;
  return options;
}

TEST_CASE("fleet target addresses round-trip through the Host header", "[simulator][fleet]") {
  CHECK(SimulatedFleet::TargetAddress(0, 9000) == "127.1.0.1:9000");
  CHECK(SimulatedFleet::TargetAddress(249, 9000) == "127.1.0.250:9000");
  CHECK(SimulatedFleet::TargetAddress(250, 9000) == "127.1.1.1:9000");
  for (std::size_t i : {0u, 1u, 249u, 250u, 4999u, 63999u}) {
    CHECK(SimulatedFleet::IndexFromHost(SimulatedFleet::TargetAddress(i, 80)) == i);
  }
  CHECK(SimulatedFleet::IndexFromHost("127.1.3.7") == 3 * 250 + 6);
  CHECK_FALSE(SimulatedFleet::IndexFromHost("127.0.0.1:80"));
  CHECK_FALSE(SimulatedFleet::IndexFromHost("127.1.0.0:80"));
  CHECK_FALSE(SimulatedFleet::IndexFromHost("127.1.0.251:80"));
  CHECK_FALSE(SimulatedFleet::IndexFromHost("127.1.x.1:80"));
  CHECK_FALSE(SimulatedFleet::IndexFromHost("localhost:80"));
}

TEST_CASE("fleet rejects bad options", "[simulator][fleet]") {
  CHECK_THROWS_AS(SimulatedFleet(Small(0)), std::invalid_argument);
  CHECK_THROWS_AS(SimulatedFleet(Small(SimulatedFleet::MaxSize() + 1)), std::invalid_argument);
  auto options = Small(2);
  options.base.engine = "lmdeploy";
  CHECK_THROWS_AS(SimulatedFleet(options), std::invalid_argument);
  options = Small(2);
  options.base.fault = "hang";
  CHECK_THROWS_AS(SimulatedFleet(options), std::invalid_argument);
}

TEST_CASE("fleet scrapers are told apart by User-Agent", "[simulator][fleet]") {
  CHECK(SimulatedFleet::ScraperName("Prometheus/2.42.0") == "prometheus");
  CHECK(SimulatedFleet::ScraperName("inferwatch/0.1.0") == "inferwatch");
  CHECK(SimulatedFleet::ScraperName("curl/8.0") == "other");
  CHECK(SimulatedFleet::ScraperName("") == "other");
}

TEST_CASE("fleet targets have their own seeds and count what they serve", "[simulator][fleet]") {
  SimulatedFleet fleet(Small(3, 0.5));
  const std::string a = fleet.Render(0);
  const std::string b = fleet.Render(1);
  CHECK(a.find("vllm:num_requests_running") != std::string::npos);
  CHECK(a != b);                             // independent models, not copies of one
  CHECK(fleet.Stats()["scrapers"].empty());  // renders without a scraper are not counted

  fleet.Render(2, "inferwatch");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  fleet.Render(2, "inferwatch");
  fleet.Render(2, "prometheus");
  fleet.Render(2, "prometheus");  // a doubled scrape: an interval of ~0 s
  const auto stats = fleet.Stats();
  const auto& iw = stats["scrapers"]["inferwatch"];
  CHECK(iw["scrapes"] == 2);
  CHECK(iw["targets_scraped"] == 1);
  CHECK(iw["samples"].get<std::uint64_t>() > 100);
  REQUIRE(iw["intervals"] == 1);
  // One interval of at least 0.3 s against an expected 0.5 s: early by up to 0.2 s (less if
  // the sleep overran), within half an interval.
  const double late = iw["lateness_seconds"]["max"].get<double>();
  CHECK(late > 0);
  CHECK(late <= 0.21);
  CHECK(iw["lateness_seconds"]["p99"].get<double>() == late);
  CHECK(iw["intervals_off_by_half"] == 0);
  const auto& prom = stats["scrapers"]["prometheus"];
  REQUIRE(prom["intervals"] == 1);
  CHECK(prom["lateness_seconds"]["max"].get<double>() > 0.4);
  CHECK(prom["intervals_off_by_half"] == 1);

  fleet.ResetStats();
  CHECK(fleet.Stats()["scrapers"]["inferwatch"]["scrapes"] == 0);
  fleet.Render(2, "inferwatch");  // the interval spanning the reset still counts
  CHECK(fleet.Stats()["scrapers"]["inferwatch"]["intervals"] == 1);
}

TEST_CASE("fleet pads each payload with the asked-for counter samples", "[simulator][fleet]") {
  auto options = Small(1);
  options.padding_samples = 25;
  SimulatedFleet padded(options);
  SimulatedFleet plain(Small(1));
  const std::string body = padded.Render(0);
  std::size_t lines = 0;
  for (std::size_t pos = body.find("\ninferwatch_sim_padding_total{"); pos != std::string::npos;
       pos = body.find("\ninferwatch_sim_padding_total{", pos + 1)) {
    ++lines;
  }
  CHECK(lines == 25);
  padded.Render(0, "other");
  plain.Render(0, "other");
  CHECK(padded.Stats()["scrapers"]["other"]["samples"].get<std::uint64_t>() ==
        plain.Stats()["scrapers"]["other"]["samples"].get<std::uint64_t>() + 25);
}

TEST_CASE("fleet serves each target by Host header and by path over HTTP", "[simulator][fleet]") {
  SimulatedFleet fleet(Small(300));
  REQUIRE(fleet.Start("127.0.0.1", 0));
  httplib::Client client("127.0.0.1", fleet.port());
  client.set_read_timeout(5, 0);

  const httplib::Headers as_prometheus = {{"Host", SimulatedFleet::TargetAddress(260, 1)},
                                          {"User-Agent", "Prometheus/2.42.0"}};
  auto by_host = client.Get("/metrics", as_prometheus);
  REQUIRE(by_host);
  CHECK(by_host->status == 200);
  CHECK(by_host->body.find("vllm:") != std::string::npos);

  auto by_path = client.Get("/targets/299/metrics", {{"User-Agent", "inferwatch/test"}});
  REQUIRE(by_path);
  CHECK(by_path->status == 200);

  auto unknown = client.Get("/metrics", {{"Host", "127.1.9.9:1"}});  // index 2258 >= 300
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  auto out_of_range = client.Get("/targets/300/metrics");
  REQUIRE(out_of_range);
  CHECK(out_of_range->status == 404);

  auto stats = client.Get("/stats?reset=1");
  REQUIRE(stats);
  const auto json = nlohmann::json::parse(stats->body);
  CHECK(json["targets"] == 300);
  CHECK(json["scrapers"]["prometheus"]["scrapes"] == 1);
  CHECK(json["scrapers"]["inferwatch"]["scrapes"] == 1);
  CHECK(fleet.Stats()["scrapers"]["prometheus"]["scrapes"] == 0);
  fleet.Stop();
}

TEST_CASE("simulate --fleet rejects bad usage", "[simulator][fleet][cli]") {
  CHECK(cli::RunSimulate({"simulate", "--fleet=0", "--listen=127.0.0.1:0"}) == 2);
  CHECK(cli::RunSimulate({"simulate", "--fleet=many", "--listen=127.0.0.1:0"}) == 2);
  CHECK(cli::RunSimulate({"simulate", "--fleet=2", "--interval=0", "--listen=127.0.0.1:0"}) == 2);
  CHECK(cli::RunSimulate({"simulate", "--fleet=2", "--fault=hang", "--listen=127.0.0.1:0"}) == 2);
}

}  // namespace
}  // namespace inferwatch::exporter::simulator
