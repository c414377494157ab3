#!/usr/bin/env bash
# .ci/soak.sh: the soak test at full size: 2,000 goroutines through each provider's Client
# against the mock, 4 s tokens, injected faults and expiries, for SOAK_DURATION (default 60s).
# Asserts what the SDK promises whatever the machine's load (internal/faultmatrix TestSoak):
# no wrong or expired token handed out, no call failing but by a timeout or a 401 for a right
# token, bounded token requests, recovery once the faults stop, goroutines and heap back to
# where they were. Without this script the test is a few seconds' smoke run, with
# PAYTOKEN_LONG=1 only (as .ci/run's tests set it).
#
#   bash .ci/soak.sh
#   SOAK_DURATION=10m SOAK_GOROUTINES=500 bash .ci/soak.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PAYTOKEN_LONG=1 PAYTOKEN_SOAK_DURATION=${SOAK_DURATION:-60s}
if [[ -n "${SOAK_GOROUTINES:-}" ]]; then
	export PAYTOKEN_SOAK_GOROUTINES=$SOAK_GOROUTINES
fi
go test -count=1 -run '^TestSoak$' -v -timeout 30m ./internal/faultmatrix
