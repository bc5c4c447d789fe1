// The label-name alphabet shared by the PromQL parser and functions.
#pragma once

#include <string_view>

namespace inferwatch::rules {

// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

}  // namespace inferwatch::rules
