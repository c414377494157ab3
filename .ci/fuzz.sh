#!/usr/bin/env bash
# .ci/fuzz.sh: fuzz smoke. Runs every fuzz target of the module for a fixed short time, each on
# its own (go test -fuzz takes one target per package run), after the seed corpora have run as
# plain tests. A crash fails the script; go test then writes the input under the package's
# testdata/fuzz/<Target>/, which is to be committed with the fix as a regression seed.
#
#   bash .ci/fuzz.sh                      # every target, FUZZTIME each (default 10s)
#   FUZZTIME=2m bash .ci/fuzz.sh ./moov   # one package, longer
#   FUZZTIME=20000x bash .ci/fuzz.sh      # a number of executions instead of a time
#
# Targets are found, not listed: any Fuzz function in a *_test.go file of the packages given
# (default: every package with a *fuzz_test.go file).
#
# The fuzzing runs under FUZZ_GOTOOLCHAIN (default: .ci/run's GO_NEXT, read from it), the
# seed corpora under the go command's own toolchain. Why (issue #12): a -fuzztime duration ends
# the run on a context deadline, and the fuzzing coordinator of Go 1.26 (internal/fuzz) can take
# that deadline for an error: the deadline closes the parent context's channel before it cancels
# the workers' child context, and stop() suppressed only the child's error. On an overloaded
# machine the coordinator wakes in that gap and the target fails at the end of its -fuzztime
# with a bare "context deadline exceeded" and no input written, which is no finding
# (golang/go#75804; Go 1.27 compares with the parent's error too). An execution count
# (-fuzztime Nx) has no deadline, but some targets' inputs cost seconds each (a client waiting
# out its timeout), so a count's time is unbounded on a loaded machine; a duration under a fixed
# coordinator keeps the step's time as it was.
#
# And should a run still fail with nothing but that coordinator error and no new file under
# testdata/fuzz/<Target> (FUZZ_GOTOOLCHAIN=local on Go 1.26, say), the target runs once more; a
# second such failure fails the script. A real crash always writes its input there, so it always
# fails at once, never retried; so does any other failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUZZTIME=${FUZZTIME:-10s}
# One place names the newer Go release: .ci/run's GO_NEXT line.
FUZZ_GOTOOLCHAIN=${FUZZ_GOTOOLCHAIN:-$(sed -n 's/^GO_NEXT=//p' .ci/run)}
[[ -n $FUZZ_GOTOOLCHAIN ]] || { echo "fuzz.sh: no GO_NEXT= line in .ci/run: set FUZZ_GOTOOLCHAIN"; exit 2; }

if [[ $# -gt 0 ]]; then
	pkgs=("$@")
else
	mapfile -t pkgs < <(find . -name '*fuzz_test.go' -not -path './bench/*' -not -path './tools/*' -printf '%h\n' | sort -u)
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# corpus: the files of a target's testdata/fuzz/<Target>/, one a line.
corpus() {
	find "$1/testdata/fuzz/$2" -type f 2>/dev/null | sort || true
}

# coordinator_only: the failure in $out is nothing but the coordinator's own error: every line
# go test printed under "--- FAIL: <Target>" is "context deadline exceeded".
coordinator_only() {
	awk -v t="$1" '
		index($0, "--- FAIL: " t " ") == 1 { in_fail = 1; next }
		in_fail && /^(FAIL|exit status|ok )/ { in_fail = 0 }
		in_fail { sub(/^[ \t]+/, ""); n++; if ($0 != "context deadline exceeded") other++ }
		END { exit !(n > 0 && other == 0) }
	' "$out"
}

start=$SECONDS
n=0
retried=0
for pkg in "${pkgs[@]}"; do
	# The seed corpora (f.Add and testdata/fuzz) first, as plain tests.
	go test -count=1 -run '^Fuzz' "$pkg"
	mapfile -t targets < <(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in "${targets[@]}"; do
		for attempt in 1 2; do
			printf '\n==== %s %s (%s)%s\n' "$pkg" "$target" "$FUZZTIME" "$([[ $attempt -gt 1 ]] && echo ', once more')"
			before=$(corpus "$pkg" "$target")
			if GOTOOLCHAIN=$FUZZ_GOTOOLCHAIN go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$out"; then
				break
			fi
			if [[ $(corpus "$pkg" "$target") != "$before" ]]; then
				echo "FAIL: $pkg $target: a failing input is in $pkg/testdata/fuzz/$target (see above)"
				exit 1
			fi
			if ! coordinator_only "$target"; then
				echo "FAIL: $pkg $target (see above)"
				exit 1
			fi
			if [[ $attempt -eq 2 ]]; then
				echo "FAIL: $pkg $target: the fuzzing coordinator failed twice with no input written (see above)"
				exit 1
			fi
			echo "fuzz.sh: $pkg $target failed with only the coordinator's \"context deadline exceeded\" and wrote no input (golang/go#75804): once more"
			retried=$((retried + 1))
		done
		n=$((n + 1))
	done
done
printf '\n%d fuzz targets, %s each (%s), passed in %ds; %d run again after a coordinator-only failure\n' "$n" "$FUZZTIME" "$(GOTOOLCHAIN=$FUZZ_GOTOOLCHAIN go env GOVERSION)" $((SECONDS - start)) "$retried"
