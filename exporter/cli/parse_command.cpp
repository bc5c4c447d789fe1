// PLACEHOLDER: replaced by the real command.
#include <iostream>

#include "exporter/cli/commands.h"

namespace inferwatch::cli {

int RunParse(const Args& /*args*/) {
  std::cerr << "inferwatch: 'parse' is not implemented yet\n";
  return 2;
}

}  // namespace inferwatch::cli
