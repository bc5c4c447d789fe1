// Domain sections (`bottlenecks:`, `slos:`, `recommendations:`, ...) are top-level keys of a rule
// file that expand into plain rule groups. A new kind is one .cpp file that defines a SectionKind
// and registers it with INFERWATCH_REGISTER_SECTION_KIND; the loader hands it every top-level key
// it claims. The expanded groups are then validated like hand-written ones (names, durations,
// PromQL, templates), so a kind only reports problems with its own fields.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rules/rulefile/diagnostic.h"
#include "rules/rulefile/model.h"

namespace inferwatch::rules::rulefile {

struct SectionContext {
  std::string file;                          // the rule file's path, as given
  std::int64_t default_interval_ms = 60000;  // the global evaluation interval

  // 1-based position of a node (yaml-cpp marks are 0-based).
  SourcePos PositionOf(const YAML::Node& node) const;
  Diagnostic ErrorAt(const YAML::Node& node, std::string message) const;
  Diagnostic WarningAt(const YAML::Node& node, std::string message) const;
};

class SectionKind {
 public:
  virtual ~SectionKind();
  // The top-level key this kind claims, e.g. "bottlenecks".
  virtual std::string_view key() const = 0;
  // Appends the groups `section` expands to. Problems go to diagnostics (with positions from
  // ctx.ErrorAt); a kind should keep going after a bad entry so one run reports every problem.
  // Set Rule::pos / RuleGroup::pos to the YAML node each rule came from.
  virtual void Expand(const YAML::Node& section, const SectionContext& ctx,
                      std::vector<RuleGroup>& out, std::vector<Diagnostic>& diagnostics) const = 0;
};

// Registers a kind; a second kind with the same key replaces the first.
void RegisterSectionKind(std::unique_ptr<SectionKind> kind);
// nullptr when no kind claims key.
const SectionKind* FindSectionKind(std::string_view key);
std::vector<std::string> RegisteredSectionKeys();

template <typename Kind>
struct SectionKindRegistrar {
  SectionKindRegistrar() { RegisterSectionKind(std::make_unique<Kind>()); }
};

}  // namespace inferwatch::rules::rulefile

// At namespace scope in the kind's .cpp file: INFERWATCH_REGISTER_SECTION_KIND(BottlenecksSection);
// Put the file in rules/sections/: that folder is linked whole-archive (rules/CMakeLists.txt), so
// the registrar runs even though nothing references the file. Kind is an unqualified class name.
#define INFERWATCH_REGISTER_SECTION_KIND(Kind) \
  static const ::inferwatch::rules::rulefile::SectionKindRegistrar<Kind> Kind##_registrar_ {}
