#!/usr/bin/env bash
# .ci/fuzz.sh: fuzz smoke. Runs every fuzz target of the module for a fixed short time, each on
# its own (go test -fuzz takes one target per package run), after the seed corpora have run as
# plain tests. A crash fails the script; go test then writes the input under the package's
# testdata/fuzz/<Target>/, which is to be committed with the fix as a regression seed.
#
#   bash .ci/fuzz.sh                    # every target, FUZZTIME each (default 10s)
#   FUZZTIME=2m bash .ci/fuzz.sh ./moov # one package, longer
#
# Targets are found, not listed: any Fuzz function in a *_test.go file of the packages given
# (default: every package with a *fuzz_test.go file).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUZZTIME=${FUZZTIME:-10s}

if [[ $# -gt 0 ]]; then
	pkgs=("$@")
else
	mapfile -t pkgs < <(find . -name '*fuzz_test.go' -not -path './bench/*' -not -path './tools/*' -printf '%h\n' | sort -u)
fi

start=$SECONDS
n=0
for pkg in "${pkgs[@]}"; do
	# The seed corpora (f.Add and testdata/fuzz) first, as plain tests.
	go test -count=1 -run '^Fuzz' "$pkg"
	mapfile -t targets < <(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in "${targets[@]}"; do
		printf '\n==== %s %s (%s)\n' "$pkg" "$target" "$FUZZTIME"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"; then
			echo "FAIL: $pkg $target: a failing input is in $pkg/testdata/fuzz/$target"
			exit 1
		fi
		n=$((n + 1))
	done
done
printf '\n%d fuzz targets, %s each, passed in %ds\n' "$n" "$FUZZTIME" $((SECONDS - start))
