package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// renewServer answers every token request with a new one-hour token after
// 1ms, counting requests and the most in flight at once.
type renewServer struct {
	srv               *httptest.Server
	client            *http.Client
	requests, current atomic.Int64
	maxInFlight       atomic.Int64
}

func newRenewServer(b *testing.B) *renewServer {
	rs := &renewServer{}
	rs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := rs.current.Add(1)
		defer rs.current.Add(-1)
		for m := rs.maxInFlight.Load(); cur > m && !rs.maxInFlight.CompareAndSwap(m, cur); m = rs.maxInFlight.Load() {
		}
		n := rs.requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"renewed-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	// Connections are capped below the file-descriptor limit; a library
	// that sends more requests at once queues them in the Transport.
	tr := rs.srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = 4096
	tr.MaxIdleConnsPerHost = 4096
	rs.client = &http.Client{Transport: tr}
	b.Cleanup(func() { tr.CloseIdleConnections(); rs.srv.Close() })
	return rs
}

// fetch is one token request to rs, the token living as long as the answer
// says (an hour).
func (rs *renewServer) fetch(ctx context.Context) (*oauth2.Token, error) {
	return fetchToken(ctx, rs.client, rs.srv.URL)
}

// renewCallers is how many goroutines ask the Sources: a server's request
// handlers. x/oauth2 renews inside Token, so these are also its fetchers.
const renewCallers = 100

func BenchmarkMassRenewal(b *testing.B) {
	for _, n := range benchScales(b) {
		for _, lib := range manyLibs {
			b.Run(fmt.Sprintf("sources=%d/lib=%s", n, lib.name), func(b *testing.B) {
				var took, peakG, inflight, peakMem, baseMem float64
				for range b.N {
					rs := newRenewServer(b)
					exp := time.Now().Add(renewLeft)
					gets := make([]func() (*oauth2.Token, error), n)
					for i := range gets {
						gets[i] = lib.stale(&oauth2.Token{AccessToken: "old-" + strconv.Itoa(i), TokenType: "Bearer", Expiry: exp}, rs.fetch)
					}
					debug.FreeOSMemory()
					resetPeakRSS()
					baseMem += float64(rss()) / (1 << 20)
					var maxG atomic.Int64
					stop := make(chan struct{})
					var sampler sync.WaitGroup
					sampler.Go(func() {
						t := time.NewTicker(time.Millisecond)
						defer t.Stop()
						for {
							maxG.Store(max(maxG.Load(), int64(runtime.NumGoroutine())))
							select {
							case <-stop:
								return
							case <-t.C:
							}
						}
					})
					start := time.Now()
					var errs atomic.Int64
					var callers sync.WaitGroup
					per := (n + renewCallers - 1) / renewCallers
					for c := 0; c < n; c += per {
						callers.Go(func() {
							for _, get := range gets[c:min(c+per, n)] {
								if _, err := get(); err != nil {
									errs.Add(1)
								}
							}
						})
					}
					callers.Wait()
					for rs.requests.Load() < int64(n) && time.Since(start) < 10*time.Minute {
						time.Sleep(time.Millisecond)
					}
					elapsed := time.Since(start)
					close(stop)
					sampler.Wait()
					if errs.Load() > 0 || rs.requests.Load() < int64(n) {
						b.Fatalf("%d callers failed; %d of %d renewed", errs.Load(), rs.requests.Load(), n)
					}
					took += elapsed.Seconds()
					peakG += float64(maxG.Load())
					inflight += float64(rs.maxInFlight.Load())
					peakMem += float64(peakRSS()) / (1 << 20)
					runtime.KeepAlive(gets)
				}
				k := float64(b.N)
				b.ReportMetric(took/k, "renew-all-s")
				b.ReportMetric(peakG/k, "peak-goroutines")
				b.ReportMetric(inflight/k, "peak-in-flight")
				b.ReportMetric(peakMem/k, "peak-RSS-MiB")
				// What the process held when the scenario started (its Sources
				// and whatever earlier benchmarks of the run left resident):
				// run one scale per process for the scenario's own peak.
				b.ReportMetric(baseMem/k, "start-RSS-MiB")
			})
		}
	}
}
