// inferwatch simulate: usage errors in-process, and the real binary serving until SIGTERM.
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>

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

// The real binary: serves the engine's dialect on the given port and exits 0 on SIGTERM.

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_CASE("inferwatch simulate serves /metrics until SIGTERM", "[simulator][cli]") {
  const int port = FreePort();
  const std::string listen = "--listen=127.0.0.1:" + std::to_string(port);
  std::string binary = INFERWATCH_BINARY;
  std::vector<std::string> argv_storage = {
      binary, "simulate", "--engine=sglang", "--scenario=kv-pressure", listen, "--speed=10"};
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ) == 0);

  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(2, 0);
  std::optional<httplib::Response> response;
  for (int attempt = 0; attempt < 50 && !response; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (auto res = client.Get("/metrics")) response = *res;
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body.find("sglang:token_usage{") != std::string::npos);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace inferwatch::cli
