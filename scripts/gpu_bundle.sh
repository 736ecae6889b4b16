#!/usr/bin/env bash
# Builds the CUDA binaries on THIS machine and packs them for a lent GPU machine, which has the CUDA 13
# driver, cuBLASLt and glibc but none of the Debian libraries our CLI links (fmt, utf8proc, oneDNN, ...).
#
#   bash scripts/gpu_bundle.sh            # -> build-gpu/bundle/ and build-gpu/acgs-gpu-bundle.tar.xz
#
# Bundle layout: bin/ (acgs-infer, libacgs_cuda.so beside it where the plugin loader looks first),
# tests/ (the GPU test executables, label "gpu"), lib/ (every non-system shared library they need),
# lib-compat/ (libstdc++/libgcc_s, used only if the target's are older), MANIFEST.txt.
# scripts/gpu_check.sh unpacks and uses it. cuBLASLt and the driver are NOT bundled: the target's own CUDA 13
# install provides them (the plugin links cudart statically).
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=${ACGS_SOURCE:-.}  # another checkout of this tree (a filtered copy while a folder is mid-edit)
BUILD=${BUILD:-build-gpu}
ARCHS=${ACGS_CUDA_ARCHS:-90}
JOBS=${JOBS:-2}
MAX_MIB=${MAX_MIB:-55}
BUNDLE=$BUILD/bundle
ARCHIVE=$BUILD/acgs-gpu-bundle.tar.xz

mkdir -p "$BUILD"
# A build folder configured from another source folder cannot be reused: start it afresh.
if [ -f "$BUILD/CMakeCache.txt" ] &&
  [ "$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")" != "$(cd "$SRC" && pwd -P)" ]; then
  echo "gpu_bundle: $BUILD was configured from another source folder; reconfiguring from scratch"
  rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DACGS_WITH_CUDA=ON -DACGS_CUDA_ARCHS="$ARCHS" \
  -DACGS_BUILD_BENCH=OFF >"$BUILD/configure.log" 2>&1 || { tail -30 "$BUILD/configure.log"; exit 1; }
grep -q 'libacgs_cuda\.so' "$BUILD/build.ninja" ||
  { echo "gpu_bundle: the configure step did not set up libacgs_cuda.so (nvcc not found?), see $BUILD/configure.log" >&2; exit 1; }

# GPU tests are the ctest tests labelled "gpu"; each test's executable has the test's name (acgs_test).
mapfile -t GPU_TESTS < <(ctest --test-dir "$BUILD" -N -L gpu | sed -n 's/^ *Test *#[0-9]*: *\([^ ]*\).*/\1/p')
echo "gpu_bundle: building acgs-infer acgs_cuda ${GPU_TESTS[*]:-} (-j$JOBS)"
cmake --build "$BUILD" -j "$JOBS" --target acgs-infer acgs_cuda "${GPU_TESTS[@]}"

rm -rf "$BUNDLE" "$ARCHIVE"
mkdir -p "$BUNDLE/bin" "$BUNDLE/tests" "$BUNDLE/lib" "$BUNDLE/lib-compat"
cp "$BUILD/acgs-infer" "$BUILD/libacgs_cuda.so" "$BUNDLE/bin/"
for t in "${GPU_TESTS[@]}"; do
  exe=$(find "$BUILD/tests" -type f -name "$t" -perm -u+x | head -1)
  [ -n "$exe" ] && cp "$exe" "$BUNDLE/tests/" || echo "gpu_bundle: warning: no executable for test $t" >&2
done

# System libraries the target has in a compatible (same or newer) version: glibc's family, the kernel's vDSO,
# and CUDA's own (driver, cudart, cuBLAS) which must match the target's driver.
is_system_lib() {
  case "$1" in
    linux-vdso.so* | ld-linux*.so* | libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | \
      libresolv.so* | libutil.so* | libcuda.so* | libcudart.so* | libcublas.so* | libcublasLt.so* | \
      libnvidia*.so* | libnvrtc*.so*) return 0 ;;
  esac
  return 1
}

declare -A seen=()
for elf in "$BUNDLE"/bin/* "$BUNDLE"/tests/*; do
  [ -f "$elf" ] || continue
  # "name => /path (addr)": ldd resolves the whole dependency tree, so one pass per file suffices.
  while read -r name _ path _; do
    if [ -z "${path:-}" ] || [ ! -f "$path" ]; then continue; fi
    is_system_lib "$name" && continue
    [ -n "${seen[$name]:-}" ] && continue
    seen[$name]=1
    case "$name" in
      libstdc++.so* | libgcc_s.so*) dest=lib-compat ;;
      *) dest=lib ;;
    esac
    cp -L "$path" "$BUNDLE/$dest/$name"
  done < <(ldd "$elf" | grep '=>' | grep -v 'not found' || true)
  if ldd "$elf" | grep -v -E 'libcublas|libcuda' | grep -q 'not found'; then
    echo "gpu_bundle: $elf has unresolved libraries here:" >&2
    ldd "$elf" | grep 'not found' >&2
    exit 1
  fi
done

chmod u+w "$BUNDLE"/bin/* "$BUNDLE"/tests/* "$BUNDLE"/lib/* "$BUNDLE"/lib-compat/* 2>/dev/null || true
strip --strip-unneeded "$BUNDLE"/bin/* "$BUNDLE"/tests/* "$BUNDLE"/lib/* "$BUNDLE"/lib-compat/* 2>/dev/null || true

{
  echo "acgs-infer GPU bundle"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) $(git status --porcelain 2>/dev/null | wc -l) modified/untracked paths"
  echo "nvcc: $(grep -o 'CUDA compiler identification is.*' "$BUILD/configure.log" | head -1)"
  echo "cuda archs: $ARCHS"
  echo "gpu tests: ${GPU_TESTS[*]:-none}"
  echo "needs on the target: libcublasLt.so.13 (CUDA 13), libcuda.so.1 (driver)"
  echo
  (cd "$BUNDLE" && find . -type f ! -name MANIFEST.txt -printf '%10s  %p\n' | sort -k2)
} >"$BUNDLE/MANIFEST.txt"

tar -C "$BUILD" -cf - bundle | xz -T"$JOBS" -6 >"$ARCHIVE"
dir_kib=$(du -sk "$BUNDLE" | cut -f1)
tar_kib=$(du -sk "$ARCHIVE" | cut -f1)
echo "gpu_bundle: $BUNDLE = $((dir_kib / 1024)) MiB; $ARCHIVE = $((tar_kib / 1024)) MiB"
if ((tar_kib > MAX_MIB * 1024)); then
  echo "gpu_bundle: the archive is over ${MAX_MIB} MiB: it would not travel to the GPU machine" >&2
  exit 1
fi
if ((dir_kib <= MAX_MIB * 1024)); then
  echo "gpu_bundle: carry build-gpu/bundle (or the archive)"
else
  echo "gpu_bundle: carry $ARCHIVE (the folder is too large to travel)"
fi
