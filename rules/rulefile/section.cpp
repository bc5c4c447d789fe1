#include "rules/rulefile/section.h"

#include <map>
#include <mutex>

namespace inferwatch::rules::rulefile {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<SectionKind>, std::less<>> kinds;
};

// A function-local static so registrars in other translation units may run first.
Registry& GetRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace

SectionKind::~SectionKind() = default;

SourcePos SectionContext::PositionOf(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return SourcePos{file, 0, 0};
  return SourcePos{file, mark.line + 1, mark.column + 1};
}

Diagnostic SectionContext::ErrorAt(const YAML::Node& node, std::string message) const {
  const SourcePos pos = PositionOf(node);
  return Diagnostic{pos.file, pos.line, pos.column, std::move(message), Severity::kError};
}

Diagnostic SectionContext::WarningAt(const YAML::Node& node, std::string message) const {
  Diagnostic diagnostic = ErrorAt(node, std::move(message));
  diagnostic.severity = Severity::kWarning;
  return diagnostic;
}

void RegisterSectionKind(std::unique_ptr<SectionKind> kind) {
  Registry& registry = GetRegistry();
  const std::lock_guard lock(registry.mutex);
  std::string key(kind->key());
  registry.kinds[key] = std::move(kind);
}

const SectionKind* FindSectionKind(std::string_view key) {
  Registry& registry = GetRegistry();
  const std::lock_guard lock(registry.mutex);
  auto it = registry.kinds.find(key);
  return it == registry.kinds.end() ? nullptr : it->second.get();
}

std::vector<std::string> RegisteredSectionKeys() {
  Registry& registry = GetRegistry();
  const std::lock_guard lock(registry.mutex);
  std::vector<std::string> keys;
  for (const auto& entry : registry.kinds) keys.push_back(entry.first);
  return keys;
}

}  // namespace inferwatch::rules::rulefile
