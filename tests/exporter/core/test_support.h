// Helpers for the exporter core tests: a loopback metrics server with switchable faults, an HTTP
// GET, temporary directories and polling until a condition holds.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <httplib.h>

namespace inferwatch::testing {

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string FixturePath(const std::string& name) {
  return std::string(INFERWATCH_TEST_DATA) + "/exporter/core/data/" + name;
}

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("inferwatch-core-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Serves GET /metrics on 127.0.0.1 with a body and a fault mode that can change at any time.
class MetricsServer {
 public:
  enum class Mode { kHealthy, kSlow, kHang, kTruncated, kGarbage, kHuge, kHttp500 };

  explicit MetricsServer(std::string body) : body_(std::move(body)) {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      switch (mode_.load()) {
        case Mode::kHealthy:
          response.set_content(Body(), "text/plain; version=0.0.4");
          return;
        case Mode::kSlow:
          // Longer than the scrape timeouts the tests use.
          SleepUnlessStopped(std::chrono::milliseconds(1500));
          response.set_content(Body(), "text/plain; version=0.0.4");
          return;
        case Mode::kHang:
          SleepUnlessStopped(std::chrono::seconds(5));
          return;
        case Mode::kTruncated: {
          // Declares more than it sends, then closes: the body ends early.
          const std::string payload = Body();
          response.set_content_provider(
              payload.size() * 2, "text/plain; version=0.0.4",
              [payload](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                if (offset >= payload.size()) return false;
                sink.write(payload.data() + offset, payload.size() - offset);
                return true;
              });
          return;
        }
        case Mode::kGarbage:
          response.set_content("\x01\x02 this is {not an exposition\n\"\n", "text/plain");
          return;
        case Mode::kHuge:
          // Not text/*, so cpp-httplib does not spend the scrape timeout gzipping it.
          response.set_content(std::string(8u << 20, '#'), "application/octet-stream");
          return;
        case Mode::kHttp500:
          response.status = 500;
          response.set_content("internal error\n", "text/plain");
          return;
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // bind_to_any_port already listens, so connections made before the thread runs just queue.
  }
  ~MetricsServer() {
    stopped_ = true;
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  void SetMode(Mode mode) { mode_ = mode; }
  void SetBody(std::string body) {
    std::lock_guard lock(mutex_);
    body_ = std::move(body);
  }
  int requests() const { return requests_; }

 private:
  std::string Body() {
    std::lock_guard lock(mutex_);
    return body_;
  }
  void SleepUnlessStopped(std::chrono::milliseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stopped_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::string body_;
  std::atomic<Mode> mode_{Mode::kHealthy};
  std::atomic<int> requests_{0};
  std::atomic<bool> stopped_{false};
};

// Polls `condition` every 20 ms until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
};

inline HttpReply HttpRequest(int port, const std::string& method, const std::string& path,
                             const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  auto result = method == "POST" ? client.Post(path.c_str(), headers, "", "text/plain")
                                 : client.Get(path.c_str(), headers);
  if (!result) return {};
  return {result->status, result->body, result->get_header_value("Content-Type")};
}

}  // namespace inferwatch::testing
