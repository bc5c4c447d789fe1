// Each engine's exposition dialect: its histogram bounds and how it prints the model's state.
#pragma once

#include <string>
#include <string_view>

#include "exporter/simulator/serving_model.h"

namespace inferwatch::exporter::simulator {

struct Dialect {
  std::string_view engine;
  std::string_view content_type;
  LatencyBounds (*bounds)();
  std::string (*render)(const ServingModel& model);
};

// nullptr for an engine the simulator does not speak.
const Dialect* FindDialect(std::string_view engine);

// One renderer per engine (exporter/simulator/<engine>_dialect.cpp).
LatencyBounds VllmBounds();
std::string RenderVllm(const ServingModel& model);
LatencyBounds TgiBounds();
std::string RenderTgi(const ServingModel& model);
LatencyBounds SglangBounds();
std::string RenderSglang(const ServingModel& model);
LatencyBounds TritonBounds();
std::string RenderTriton(const ServingModel& model);
LatencyBounds LlamacppBounds();
std::string RenderLlamacpp(const ServingModel& model);

// Token-length bounds in vLLM's 1-2-5 style up to `max`.
std::vector<double> OneTwoFive(double max);

}  // namespace inferwatch::exporter::simulator
