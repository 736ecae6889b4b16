#!/usr/bin/env bash
# Installs every Debian package the build, tests, benchmarks and oracles need. Idempotent: a machine that
# already has everything only pays for the dpkg query. Run as root (CI and the dev machines are root).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libutf8proc-dev libcli11-dev libfmt-dev libspdlog-dev
  libdnnl-dev libopenblas-dev libopenblas0-pthread
  libcpp-httplib-dev libboost1.81-dev libxgboost-dev libhiredis-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  pybind11-dev python3-dev python3-numpy python3-pytest python3-torch python3-onnx
  python3-pip python3-setuptools python3-wheel python3-venv
  wrk redis-server nginx python3-matplotlib prometheus
)

missing=()
# Node.js may come from outside Debian (then Debian's npm would conflict with it): only ask apt when absent.
command -v node >/dev/null && command -v npm >/dev/null || PACKAGES+=(nodejs npm)
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Oracles from npm (HF tokenizers, ONNX Runtime CPU), pinned by tools/oracle/package-lock.json.
if [ ! -d tools/oracle/node_modules/tokenizers ] || [ ! -d tools/oracle/node_modules/onnxruntime-node ]; then
  (cd tools/oracle && ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --no-audit --no-fund --loglevel=error)
fi
echo "setup: ok"
