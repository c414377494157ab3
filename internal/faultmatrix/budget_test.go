package faultmatrix_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mobifinance"
)

// TestNoDeadlineBudget: a token endpoint that takes requests and never answers,
// called with no deadline at all (Config.Token(context.Background()),
// TokenSource().Token(), Exchange) through the default HTTP client: each
// call ends within the 30 s fetch budget with a timeout that names its
// provider and does not match context.DeadlineExceeded (no caller
// deadline ended). Long: it waits the budget out.
func TestNoDeadlineBudget(t *testing.T) {
	testenv.Long(t)
	t.Parallel()
	const budget = 30 * time.Second
	// The request arrives, the answer is swallowed and the connection
	// stays open (a hang on the requests would meet the mock's own read
	// timeout, which closes the connection).
	hang := tcpRow{toxic: "timeout", stream: "downstream"}
	var wg sync.WaitGroup
	for _, p := range providers {
		for _, via := range []string{"Config.Token", "TokenSource"} {
			if p.oneShot && via == "TokenSource" {
				continue
			}
			wg.Go(func() {
				t.Run(p.name+"/"+via, func(t *testing.T) {
					s := newSentinels()
					srv, code := newMock(t, p, s)
					base := newToxicProxy(t, "budget/"+p.name+"/"+via, strings.TrimPrefix(srv.URL, "http://"), hang, map[string]any{"timeout": 0})
					e := env{baseURL: base, creds: creds{id: s.id, secret: s.secret, code: code}} // HTTPClient nil: the default
					start := time.Now()
					var err error
					if via == "TokenSource" {
						_, err = p.tokenSource(e).Token()
					} else {
						_, err = p.token(context.Background(), e)
					}
					elapsed := time.Since(start)
					if elapsed > budget+5*time.Second {
						t.Errorf("took %v, more than the %v budget", elapsed.Round(time.Millisecond), budget)
					}
					if msg := fmt.Sprint(err); !strings.HasPrefix(msg, p.name+": ") || !strings.Contains(msg, "timed out") && !strings.Contains(msg, "timeout") {
						t.Errorf("error %v does not say %s timed out", err, p.name)
					}
					if errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("%v matches context.DeadlineExceeded, yet no caller deadline ended", err)
					}
					if kindOf(err) != kTimeout {
						t.Errorf("outcome %s, want %s", kindOf(err), kTimeout)
					}
					if p.oneShot && !errors.Is(err, mobifinance.ErrReauthorize) {
						t.Errorf("%v does not match ErrReauthorize", err)
					}
					t.Logf("%s %s: %v after %v", p.name, via, err, elapsed.Round(100*time.Millisecond))
				})
			})
		}
	}
	wg.Wait()
}
