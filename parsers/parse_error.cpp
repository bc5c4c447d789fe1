#include <string>

#include "parsers/exposition.h"

namespace inferwatch::parsers {

std::string ParseError::ToString() const {
  return std::to_string(line) + ":" + std::to_string(column) + ": " + reason;
}

}  // namespace inferwatch::parsers
