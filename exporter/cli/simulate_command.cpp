// PLACEHOLDER: replaced by the real command.
#include <iostream>

#include "exporter/cli/commands.h"

namespace inferwatch::cli {

int RunSimulate(const Args& /*args*/) {
  std::cerr << "inferwatch: 'simulate' is not implemented yet\n";
  return 2;
}

}  // namespace inferwatch::cli
