// Usage errors of `inferwatch simulate` (the serving path is covered by the server tests).
#include <catch2/catch.hpp>

#include "exporter/cli/commands.h"

namespace inferwatch::cli {
namespace {

TEST_CASE("simulate rejects bad usage with exit code 2", "[simulator][cli]") {
  CHECK(RunSimulate({"simulate", "--engine=vllm"}) == 2);  // no --listen
  CHECK(RunSimulate({"simulate", "--engine=lmdeploy", "--listen=127.0.0.1:0"}) == 2);
  CHECK(RunSimulate({"simulate", "--scenario=sunny", "--listen=127.0.0.1:0"}) == 2);
  CHECK(RunSimulate({"simulate", "--fault=fire", "--listen=127.0.0.1:0"}) == 2);
  CHECK(RunSimulate({"simulate", "--listen=127.0.0.1:notaport"}) == 2);
  CHECK(RunSimulate({"simulate", "--speed=fast", "--listen=127.0.0.1:0"}) == 2);
  CHECK(RunSimulate({"simulate", "--frobnicate=1"}) == 2);
  CHECK(RunSimulate({"simulate", "--help"}) == 0);
}

}  // namespace
}  // namespace inferwatch::cli
