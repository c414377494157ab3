package auth

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests. The scheduler's
// resident goroutine (there once a test holds hundreds of used Sources)
// ends once those Sources are collected; settleScheduler collects them
// and lets it notice, rather than waiting for its next wake-up.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		settleScheduler()
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: errors on successful test run:", err)
			code = 1
		}
	}
	os.Exit(code)
}
