#include "rules/promql/functions.h"

#include <unordered_map>

namespace inferwatch::rules::promql {

namespace {

using VT = ValueType;

std::unordered_map<std::string_view, FunctionSignature> BuildTable() {
  std::vector<FunctionSignature> list;
  auto add = [&](std::string_view name, std::vector<VT> args, int variadic, VT ret) {
    list.push_back(FunctionSignature{name, std::move(args), variadic, ret});
  };
  for (std::string_view name :
       {"abs",  "ceil",  "floor", "exp",   "sqrt", "ln",     "log2", "log10",     "sgn",
        "acos", "acosh", "asin",  "asinh", "atan", "atanh",  "cos",  "cosh",      "sin",
        "sinh", "tan",   "tanh",  "deg",   "rad",  "absent", "sort", "sort_desc", "timestamp"}) {
    add(name, {VT::kVector}, 0, VT::kVector);
  }
  for (std::string_view name :
       {"rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes",
        "absent_over_time", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
        "count_over_time", "last_over_time", "stddev_over_time", "stdvar_over_time",
        "present_over_time"}) {
    add(name, {VT::kMatrix}, 0, VT::kVector);
  }
  for (std::string_view name : {"day_of_month", "day_of_week", "day_of_year", "days_in_month",
                                "hour", "minute", "month", "year"}) {
    add(name, {VT::kVector}, 1, VT::kVector);
  }
  add("quantile_over_time", {VT::kScalar, VT::kMatrix}, 0, VT::kVector);
  add("predict_linear", {VT::kMatrix, VT::kScalar}, 0, VT::kVector);
  add("holt_winters", {VT::kMatrix, VT::kScalar, VT::kScalar}, 0, VT::kVector);
  add("histogram_quantile", {VT::kScalar, VT::kVector}, 0, VT::kVector);
  add("clamp", {VT::kVector, VT::kScalar, VT::kScalar}, 0, VT::kVector);
  add("clamp_min", {VT::kVector, VT::kScalar}, 0, VT::kVector);
  add("clamp_max", {VT::kVector, VT::kScalar}, 0, VT::kVector);
  add("round", {VT::kVector, VT::kScalar}, 1, VT::kVector);
  add("label_replace", {VT::kVector, VT::kString, VT::kString, VT::kString, VT::kString}, 0,
      VT::kVector);
  add("label_join", {VT::kVector, VT::kString, VT::kString, VT::kString}, -1, VT::kVector);
  add("scalar", {VT::kVector}, 0, VT::kScalar);
  add("vector", {VT::kScalar}, 0, VT::kVector);
  add("time", {}, 0, VT::kScalar);
  add("pi", {}, 0, VT::kScalar);
  std::unordered_map<std::string_view, FunctionSignature> table;
  for (auto& signature : list) table.emplace(signature.name, std::move(signature));
  return table;
}

}  // namespace

const FunctionSignature* FindFunction(std::string_view name) {
  static const auto* const kTable =
      new std::unordered_map<std::string_view, FunctionSignature>(BuildTable());
  auto it = kTable->find(name);
  return it == kTable->end() ? nullptr : &it->second;
}

}  // namespace inferwatch::rules::promql
