// Package testenv holds the gates the project's tests share.
//
// `go test ./...` is the README's test command and stays fast (≤ 20 s warm on a
// 2-core machine). Scenarios that need tens of seconds — real Redis topologies
// failing over, toxiproxy faults that wait out timeouts, soaks, processes killed
// mid-fetch — call Long first: they run when PAYTOKEN_LONG=1, which .ci/run sets,
// and are skipped otherwise with a message that says how to run them.
package testenv

import (
	"os"
	"testing"
)

// LongEnv is the environment variable that enables long tests.
const LongEnv = "PAYTOKEN_LONG"

// Long skips t unless long tests are enabled (PAYTOKEN_LONG=1, as .ci/run does).
func Long(t testing.TB) {
	t.Helper()
	if !LongEnabled() {
		t.Skip("long test: run with " + LongEnv + "=1 (as .ci/run does)")
	}
}

// LongEnabled reports whether long tests run in this process.
func LongEnabled() bool { return os.Getenv(LongEnv) == "1" }
