package faultmatrix_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests, once toxiproxy's
// have finished.
//
// The tests mostly wait (out timeouts, Retry-After, toxics' latencies) and
// bound their cases' concurrency themselves, so unless -parallel is given
// they all run at once: its default, GOMAXPROCS, would run them two at a
// time on a two-core machine, each family of cases waiting for the last.
func TestMain(m *testing.M) {
	flag.Parse()
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", "16")
	}
	code := m.Run()
	if code == 0 {
		awaitToxics(15 * time.Second)
		if err := goleak.Find(goleak.IgnoreTopFunction(stuckBandwidthToxic)); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: errors on successful test run:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// stuckBandwidthToxic is where toxiproxy (v2.5.0) leaves a goroutine for
// good: its bandwidth toxic sends a slice of a large chunk on its output
// with no way out (bandwidth.go:66; its other sends give up on an
// interrupt or after 5 s), and once the proxy is stopped nobody reads it.
// It is toxiproxy's goroutine, not the SDK's.
const stuckBandwidthToxic = "github.com/Shopify/toxiproxy/v2/toxics.(*BandwidthToxic).Pipe"

// awaitToxics waits, up to limit, until no goroutine but a
// stuckBandwidthToxic runs toxiproxy's code: a stopped proxy's toxics
// finish what they hold (a 3 s latency) on their own goroutines.
func awaitToxics(limit time.Duration) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !toxicsRunning() {
			return
		}
	}
}

func toxicsRunning() bool {
	buf := make([]byte, 4<<20)
	for g := range strings.SplitSeq(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		header, frames, _ := strings.Cut(g, "\n")
		stuck := strings.Contains(header, "[chan send") && strings.HasPrefix(frames, stuckBandwidthToxic+"(")
		if strings.Contains(g, "github.com/Shopify/toxiproxy") && !stuck {
			return true
		}
	}
	return false
}
