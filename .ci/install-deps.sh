#!/usr/bin/env bash
# Installs the Debian 12 packages smoops needs to build, test and benchmark. Does nothing when
# they are all present; uses sudo when not run as root. libtorch-dev (1.13) builds the model
# plugins; python3-torch (the same libtorch, for /usr/bin/python3) makes the TorchScript test model;
# libopenblas0-openmp replaces the reference BLAS libtorch would otherwise use (inference about 2.4x,
# training about 2.5x faster; docs/benchmarks.md). libsodium-dev encrypts the exchange credentials
# (docs/credentials.md).
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost-dev libboost-filesystem-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  libzmq3-dev cppzmq-dev
  libpqxx-dev postgresql-15
  libsodium-dev libssl-dev libsimdjson-dev python3-aiohttp python3-cryptography
  libtorch-dev python3-torch libopenblas0-openmp
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
