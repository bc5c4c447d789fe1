// The YAML tables shipped in exporter/engines/tables/, embedded at build time by
// exporter/engines/embed_tables.cmake (one generated source file in the build folder).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace inferwatch::exporter {

// (file name, YAML text) for every shipped table, in file-name order.
const std::vector<std::pair<std::string_view, std::string_view>>& BuiltinTableTexts();

}  // namespace inferwatch::exporter
