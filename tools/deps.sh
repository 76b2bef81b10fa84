#!/usr/bin/env bash
# Install what authsweep needs to build and test, from Debian 12's packages.
# Run as root (or through sudo).  Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential cmake pkg-config clang      # toolchain (clang: fuzzing, second compiler)
  libssl-dev liburing-dev libc-ares-dev       # OpenSSL 3, io_uring, c-ares
  libmimalloc-dev libpsl-dev publicsuffix     # allocator, DMARC org domains
  libcmocka-dev python3 python3-yaml          # unit tests, conformance runners
  nsd                                         # authoritative DNS for the live-DNS tests
  hyperfine                                   # bench/
  libsodium-dev                               # Ed25519 verify (faster than OpenSSL 3.0)
  zlib1g-dev                                  # gzip-compressed archives
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
