#!/usr/bin/env bash
# Installs the Debian packages inferwatch needs to build and test; does nothing when all are present.
set -euo pipefail

packages=(
  cmake g++ clang libclang-rt-14-dev clang-format clang-tidy pkg-config make python3
  prometheus-cpp-dev libyaml-cpp-dev libre2-dev libcpp-httplib-dev catch2
  nlohmann-json3-dev libcli11-dev libfmt-dev libfast-float-dev libxxhash-dev
  libbenchmark-dev python3-prometheus-client python3-yaml
)
if [ "${1:-}" = "--with-e2e" ]; then
  packages+=(prometheus prometheus-alertmanager)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
