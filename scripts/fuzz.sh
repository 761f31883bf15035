#!/usr/bin/env bash
# The fuzz targets for longer than CI gives them: STEVEDORE_FUZZ_MS per target (10 minutes by
# default) from a fresh seed each run. A failure prints the seed that replays it; add the input it
# found to the target's regression cases.
set -euo pipefail
cd "$(dirname "$0")/.."
export STEVEDORE_FUZZ_MS="${STEVEDORE_FUZZ_MS:-600000}"
export STEVEDORE_FUZZ_SEED="${STEVEDORE_FUZZ_SEED:-$RANDOM$RANDOM}"
export STEVEDORE_FUZZ_CASES="${STEVEDORE_FUZZ_CASES:-2000000}"
echo "fuzz: ${STEVEDORE_FUZZ_MS} ms per target, STEVEDORE_FUZZ_SEED=${STEVEDORE_FUZZ_SEED}"
mapfile -t targets < <(find test/unit -iname '*fuzz*.test.ts' | sort)
exec node --import tsx --test --test-reporter=spec "${targets[@]}"
