#!/usr/bin/env bash
# .ci/soak.sh: the soak test at full size: 2,000 goroutines through each provider's Client
# against the mock, 3 s tokens, injected faults and expiries, for SOAK_DURATION (default 60s).
# Asserts no failed API call, bounded token requests, and goroutines and heap back to where
# they were (internal/faultmatrix TestSoak; without this script the test runs a few seconds'
# smoke version, and none with -short).
#
#   bash .ci/soak.sh
#   SOAK_DURATION=10m SOAK_GOROUTINES=500 bash .ci/soak.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PAYTOKEN_SOAK_DURATION=${SOAK_DURATION:-60s}
if [[ -n "${SOAK_GOROUTINES:-}" ]]; then
	export PAYTOKEN_SOAK_GOROUTINES=$SOAK_GOROUTINES
fi
go test -count=1 -run '^TestSoak$' -v -timeout 30m ./internal/faultmatrix
