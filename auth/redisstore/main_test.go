package redisstore_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The fleet tests re-run this test binary as their worker processes.
	if cfg := os.Getenv(fleetWorkerEnv); cfg != "" {
		os.Exit(fleetWorker(cfg))
	}
	goleak.VerifyTestMain(m)
}
