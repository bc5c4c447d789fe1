// PLACEHOLDER: replaced by the real command.
#include <iostream>

#include "exporter/cli/commands.h"

namespace inferwatch::cli {

int RunRules(const Args& /*args*/) {
  std::cerr << "inferwatch: 'rules' is not implemented yet\n";
  return 2;
}

}  // namespace inferwatch::cli
