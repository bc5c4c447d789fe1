// Binding and serving shared by the simulated server and the simulated fleet.
#pragma once

#include <string>
#include <thread>

#include <httplib.h>

namespace inferwatch::exporter::simulator {

// Binds `server` to host:port (a free port when port is 0) and serves it on `*listener`. Returns
// the bound port, or 0 when the address cannot be bound.
inline int BindAndServe(httplib::Server& server, const std::string& host, int port,
                        std::thread* listener) {
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
    if (bound <= 0) return 0;
  } else if (!server.bind_to_port(host, port)) {
    return 0;
  }
  *listener = std::thread([&server] { server.listen_after_bind(); });
  return bound;
}

}  // namespace inferwatch::exporter::simulator
