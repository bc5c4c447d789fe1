#!/usr/bin/env bash
# Fresh machine to running demo: installs what is missing, builds, starts inferwatch on simulated servers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec ./build/inferwatch demo "$@"
