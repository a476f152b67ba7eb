#!/usr/bin/env bash
# Run on a machine WITHOUT a GPU, before a session that has one: builds the
# CUDA suites and bench_cuda (build-cuda/, -Dcuda=enabled) and packs them with
# the shared libraries they need that a bare CUDA image may lack (Criterion and
# its dependencies, OpenBLAS, the CUDA runtime) into .gpu-bundle/bundle.tar.gz
# (git-ignored, about 15 MB). bench/gpu_check.sh uses it when it cannot build
# from source there. The C library, libstdc++ and the driver come from the GPU
# machine; cuBLAS is loaded from its CUDA install.
# usage: bench/gpu_bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-cuda/build.ninja ]; then
  meson setup build-cuda -Dcuda=enabled >/dev/null
fi
targets=(test_cuda_backend test_cuda_ops test_cuda_model bench_cuda)
meson compile -C build-cuda -j2 "${targets[@]}" >/dev/null
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp build-cuda/tests/engine/cuda/test_cuda_{backend,ops,model} build-cuda/bench/bench_cuda "$stage/bin/"
# every library the programs load, except the base system's own
system='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv|libgcc_s|libstdc\+\+)\.so'
for exe in "$stage"/bin/*; do
  ldd "$exe" | awk '$3 ~ /^\// {print $1, $3}'
done | sort -u | while read -r name path; do
  [[ $name =~ $system ]] || cp -L "$path" "$stage/lib/$name"
done
mkdir -p .gpu-bundle
git rev-parse HEAD > "$stage/COMMIT"
tar czf .gpu-bundle/bundle.tar.gz -C "$stage" .
echo "gpu_bundle: .gpu-bundle/bundle.tar.gz ($(du -h .gpu-bundle/bundle.tar.gz | cut -f1), commit $(cut -c1-12 "$stage/COMMIT"))"
echo "gpu_bundle: with a GPU: device run command=bench/gpu_check.sh carry=[\".gpu-bundle\"] timeout_s=540"
