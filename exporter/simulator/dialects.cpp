#include "exporter/simulator/dialects.h"

namespace inferwatch::exporter::simulator {

const Dialect* FindDialect(std::string_view engine) {
  static const Dialect kDialects[] = {
      {"vllm", "text/plain; version=0.0.4; charset=utf-8", VllmBounds, RenderVllm},
      {"tgi", "text/plain; version=0.0.4", TgiBounds, RenderTgi},
      {"sglang", "text/plain; version=0.0.4; charset=utf-8", SglangBounds, RenderSglang},
      {"triton", "text/plain; charset=utf-8", TritonBounds, RenderTriton},
      {"llamacpp", "text/plain; version=0.0.4", LlamacppBounds, RenderLlamacpp},
  };
  for (const auto& dialect : kDialects) {
    if (dialect.engine == engine) return &dialect;
  }
  return nullptr;
}

std::vector<double> OneTwoFive(double max) {
  std::vector<double> bounds;
  for (double decade = 1; decade <= max; decade *= 10) {
    for (double step : {1.0, 2.0, 5.0}) {
      if (step * decade <= max) bounds.push_back(step * decade);
    }
  }
  return bounds;
}

}  // namespace inferwatch::exporter::simulator
