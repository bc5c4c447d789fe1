#include "exporter/simulator/serving_model.h"

#include <algorithm>
#include <cmath>

namespace inferwatch::exporter::simulator {

ServingModel::ServingModel(ScenarioParams params, std::uint64_t seed, const LatencyBounds& bounds)
    : ttft(bounds.ttft),
      itl(bounds.itl),
      tpot(bounds.itl),
      e2e(bounds.e2e),
      queue(bounds.queue),
      prompt_tokens(bounds.prompt_tokens),
      output_tokens(bounds.output_tokens),
      params_(params),
      rng_(seed) {}

double ServingModel::kv_usage_ratio() const {
  return params_.kv_capacity_tokens > 0 ? std::min(1.0, kv_used_ / params_.kv_capacity_tokens)
                                        : 0.0;
}

void ServingModel::Advance(double seconds) {
  const auto steps = static_cast<long>(seconds / kStepSeconds);
  for (long i = 0; i < steps; ++i) Step();
}

double ServingModel::SampleLength(double mean) {
  // Log-normal lengths (sigma 0.5) with the requested mean, clipped to a sane range.
  constexpr double kSigma = 0.5;
  std::lognormal_distribution<double> dist(std::log(mean) - kSigma * kSigma / 2, kSigma);
  return std::clamp(std::round(dist(rng_)), 1.0, 4 * mean);
}

Outcome ServingModel::SampleOutcome() {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
  if (u < params_.error_ratio) return Outcome::kError;
  if (u < params_.error_ratio + params_.abort_ratio) return Outcome::kAbort;
  return u < params_.error_ratio + params_.abort_ratio + params_.length_ratio ? Outcome::kLength
                                                                              : Outcome::kStop;
}

void ServingModel::Finish(const Request& r, Outcome outcome) {
  totals_.outcomes[static_cast<int>(outcome)] += 1;
  const double latency = now_ - r.arrival;
  e2e.Observe(latency);
  output_tokens.Observe(r.generated);
  totals_.request_seconds += latency;
  if (r.generated > 0 && r.first_token_at >= 0) {
    tpot.Observe(std::max(0.0, now_ - r.first_token_at) / r.generated);
  }
}

void ServingModel::Step() {
  const double dt = kStepSeconds;
  const double step_start = now_;
  now_ += dt;
  std::uniform_real_distribution<double> within_step(0, dt);

  // Arrivals.
  std::poisson_distribution<int> arrivals(params_.arrival_rate * dt);
  for (int n = arrivals(rng_); n > 0; --n) {
    totals_.received += 1;
    if (waiting_.size() >= kMaxWaiting) {
      Request dropped;
      dropped.arrival = now_;
      Finish(dropped, Outcome::kAbort);  // the client gives up on a full queue
      continue;
    }
    Request r;
    r.arrival = step_start + within_step(rng_);
    r.prompt = SampleLength(params_.prompt_mean);
    r.output = SampleLength(params_.output_mean);
    r.prefill_left = r.prompt;
    waiting_.push_back(r);
  }

  Admit(step_start);

  // Prefill shares a token budget, oldest first; a clock within the step times each completion
  // so TTFT is not rounded to whole steps. The first token needs one more forward pass.
  double budget = params_.prefill_rate * dt;
  double prefill_clock = step_start;
  for (auto& r : running_) {
    if (r.prefill_left <= 0 || budget <= 0) continue;
    const double done = std::min(budget, r.prefill_left);
    budget -= done;
    r.prefill_left -= done;
    prefill_clock =
        std::max(prefill_clock, std::max(r.admitted, r.arrival)) + done / params_.prefill_rate;
    totals_.prompt_seconds += done / params_.prefill_rate;
    if (r.prefill_left <= 0 && r.first_token_at < 0) {
      r.first_token_at = prefill_clock + params_.decode_base;
      ttft.Observe(r.first_token_at - r.arrival);
      totals_.prompt_tokens += r.prompt;
      totals_.prefix_queries += r.prompt;
      totals_.prefix_hits += std::round(r.prompt * params_.prefix_hit_ratio);
    }
  }

  // One decode step's duration grows with the batch; each decoding sequence advances dt/itl.
  int decoding = 0;
  for (const auto& r : running_) decoding += r.prefill_left <= 0 ? 1 : 0;
  if (decoding > 0) {
    last_itl_ = params_.decode_base + params_.decode_per_seq * decoding;
    totals_.decode_steps += dt / last_itl_;
    totals_.busy_slot_steps += decoding * dt / last_itl_;
    totals_.decode_seconds += dt;
  }
  std::vector<Request> still_running;
  still_running.reserve(running_.size());
  for (auto& r : running_) {
    if (r.prefill_left <= 0) {
      r.progress += dt / last_itl_;
      const double tokens = std::min(std::floor(r.progress), r.output - r.generated);
      if (tokens > 0) {
        r.progress -= tokens;
        r.generated += tokens;
        kv_used_ += tokens;
        totals_.generation_tokens += tokens;
        itl.Observe(last_itl_, static_cast<std::uint64_t>(tokens));
      }
      if (r.generated >= r.output) {
        kv_used_ -= r.prompt + r.generated;
        Finish(r, SampleOutcome());
        continue;
      }
    }
    still_running.push_back(r);
  }
  running_ = std::move(still_running);

  // Decode growth past the pool: preempt the newest sequences back to the queue head.
  while (kv_used_ > params_.kv_capacity_tokens && !running_.empty()) {
    Request victim = running_.back();
    running_.pop_back();
    kv_used_ -= victim.prompt + victim.generated;
    victim.progress = 0;
    waiting_.push_front(victim);
    totals_.preemptions += 1;
  }
  kv_used_ = std::max(0.0, kv_used_);
  // Slots freed this step are filled at once, as the scheduler does before the next step.
  Admit(now_);
}

// FIFO admission while a sequence slot and the KV blocks for its tokens are free.
void ServingModel::Admit(double at) {
  while (!waiting_.empty() && static_cast<int>(running_.size()) < params_.max_running) {
    Request& next = waiting_.front();
    const double need = next.prompt + next.generated;
    if (kv_used_ + need > params_.kv_capacity_tokens) break;
    if (next.admitted < 0) {
      next.admitted = std::max(at, next.arrival);
      queue.Observe(next.admitted - next.arrival);
      prompt_tokens.Observe(next.prompt);
      totals_.queue_seconds += next.admitted - next.arrival;
    }
    next.prefill_left = need;  // a preempted request recomputes its whole sequence
    kv_used_ += need;
    running_.push_back(next);
    waiting_.pop_front();
  }
}

}  // namespace inferwatch::exporter::simulator
