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
		if err := goleak.Find(ignoreStuckToxics()...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: errors on successful test run:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// stuckToxics are where toxiproxy (v2.5.0) can leave a goroutine for good:
// these toxics' Pipe sends a chunk on its output with no way out
// (noop.go:16, latency.go:44, bandwidth.go:66, limit_data.go:40,
// slicer.go:64, slow_close.go:27), and once the proxy is stopped nobody
// reads it. They are toxiproxy's goroutines, not the SDK's.
var stuckToxics = []string{
	"github.com/Shopify/toxiproxy/v2/toxics.(*NoopToxic).Pipe",
	"github.com/Shopify/toxiproxy/v2/toxics.(*LatencyToxic).Pipe",
	"github.com/Shopify/toxiproxy/v2/toxics.(*BandwidthToxic).Pipe",
	"github.com/Shopify/toxiproxy/v2/toxics.(*LimitDataToxic).Pipe",
	"github.com/Shopify/toxiproxy/v2/toxics.(*SlicerToxic).Pipe",
	"github.com/Shopify/toxiproxy/v2/toxics.(*SlowCloseToxic).Pipe",
}

func ignoreStuckToxics() []goleak.Option {
	opts := make([]goleak.Option, 0, len(stuckToxics))
	for _, fn := range stuckToxics {
		opts = append(opts, goleak.IgnoreTopFunction(fn))
	}
	return opts
}

// stuckToxic reports whether goroutine dump g is one of stuckToxics
// blocked on its send.
func stuckToxic(g string) bool {
	header, frames, _ := strings.Cut(g, "\n")
	if !strings.Contains(header, "[chan send") {
		return false
	}
	for _, fn := range stuckToxics {
		if strings.HasPrefix(frames, fn+"(") {
			return true
		}
	}
	return false
}

// awaitToxics waits, up to limit, until no goroutine but a stuck toxic
// (stuckToxics) runs toxiproxy's code: a stopped proxy's toxics
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
		if strings.Contains(g, "github.com/Shopify/toxiproxy") && !stuckToxic(g) {
			return true
		}
	}
	return false
}
