// PLACEHOLDER: replaced by the real daemon.
#include <iostream>

#include "exporter/cli/commands.h"

namespace inferwatch::cli {

int RunDaemon(const Args& /*args*/) {
  std::cerr << "inferwatch: the daemon is not implemented yet\n";
  return 2;
}
int RunDemo(const Args& /*args*/) {
  std::cerr << "inferwatch: 'demo' is not implemented yet\n";
  return 2;
}
int RunCheck(const Args& /*args*/) {
  std::cerr << "inferwatch: 'check' is not implemented yet\n";
  return 2;
}

}  // namespace inferwatch::cli
