package redisstore_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The fleet and per-user tests re-run this test binary as their worker
	// processes.
	if cfg := os.Getenv(fleetWorkerEnv); cfg != "" {
		os.Exit(fleetWorker(cfg))
	}
	if cfg := os.Getenv(userWorkerEnv); cfg != "" {
		os.Exit(userWorker(cfg))
	}
	goleak.VerifyTestMain(m)
}
