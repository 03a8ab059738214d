#!/usr/bin/env bash
# Builds and runs the hash join micro-benchmark (bench/micro/hash_join.c)
# against an existing build's libember_core.a.
#   bench/micro/run_hash_join.sh [build-dir] [probe-rows] [threads] [case-name-part]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
ninja -C "$BUILD" ember_core >/dev/null
LIBS="$(pkg-config --libs grpc libprotobuf-c libzstd liblz4 zlib libxxhash)"
cc -O2 -std=gnu17 -D_GNU_SOURCE -I"$ROOT/src" "$ROOT/bench/micro/hash_join.c" \
  "$BUILD/libember_core.a" "$BUILD/libem_proto.a" $LIBS -lpthread -lm -o "$BUILD/bench_hash_join"
"$BUILD/bench_hash_join" "${2:-10000000}" "${3:-2}" ${4:+"$4"}
