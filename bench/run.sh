#!/usr/bin/env bash
# Runs every benchmark (all contenders in one `go test -bench` run) COUNT
# times, then prints one column per library with benchstat: medians, ±
# confidence, and each library against x/oauth2 (the base column).
#
#   ./run.sh                 # COUNT=6
#   COUNT=10 ./run.sh
#   BENCH='CachedToken' ./run.sh
#
# Raw results stay in bench/results.txt.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCH=${BENCH:-.}
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

go version
go test -run '^$' -bench "$BENCH" -benchmem -count "$COUNT" . | tee results.txt
echo
go run "$BENCHSTAT" -col '/lib@(xoauth2 paytoken paytoken-as-oauth2.TokenSource cloudauth floor-atomic-load)' results.txt

# Plain ratios: how many times x/oauth2's figure each library's is
# (cached path: x/oauth2 ns/op ÷ lib ns/op, so bigger is better).
echo
echo "x/oauth2 ns/op ÷ lib ns/op, cached Token() (medians):"
go run "$BENCHSTAT" -format csv -filter '/mode:serial OR /mode:parallel' -col /lib results.txt 2>/dev/null |
	awk -F, '
		/^,/ && !hdr { for (i = 2; i <= NF; i++) name[i] = $i; hdr = 1; next }
		/sec\/op/ { unit = 1; next }
		/B\/op|allocs\/op/ { unit = 0 }
		unit && $1 ~ /mode=/ {
			base = ""; for (i = 2; i <= NF; i++) if (name[i] == "xoauth2") base = $i
			if (base == "") next
			line = sprintf("  %-16s", $1)
			for (i = 2; i <= NF; i++) if (name[i] != "" && name[i] != "xoauth2" && $i != "" && $i + 0 > 0)
				line = line sprintf("  %s %.1fx", name[i], base / $i)
			print line
		}'
