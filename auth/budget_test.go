package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// silentEndpoint accepts connections and never answers.
func silentEndpoint(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/token"
}

// silentFetcher is a moov token request to url through hc.
func silentFetcher(url string, hc *http.Client) Fetcher {
	return func(ctx context.Context) (*oauth2.Token, error) {
		return moov.Send(ctx, func(ctx context.Context) (*http.Response, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("grant_type=client_credentials"))
			if err != nil {
				return nil, err
			}
			return hc.Do(req)
		})
	}
}

// requireBudgetTimeout: the error of a fetch that used up its budget says
// so, names the provider, is a temporary timeout and not the caller's
// context.DeadlineExceeded.
func requireBudgetTimeout(t *testing.T, err error, budget time.Duration) {
	t.Helper()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "moov: token request timeout: no token within the "+budget.String()+" fetch budget"), err.Error())
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	var te interface {
		Timeout() bool
		Temporary() bool
	}
	require.ErrorAs(t, err, &te)
	require.True(t, te.Timeout())
	require.True(t, te.Temporary())
}

// A fetch whose caller set no deadline ends within its budget, all attempts
// included, with an error that says it timed out. (The default budget is 30
// s; the budget here is what a context without a deadline gets, shortened.)
func TestFetchBudgetSilentEndpoint(t *testing.T) {
	t.Parallel()
	url := silentEndpoint(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	ctx, cancel := withBudget(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Retry(ctx, RetryPolicy{MinBackoff: time.Millisecond}, silentFetcher(url, hc))
	require.Less(t, time.Since(start), 5*time.Second)
	requireBudgetTimeout(t, err, 300*time.Millisecond)
	require.Contains(t, err.Error(), "the last attempt got no answer before the budget ran out")

	// A Source's fetch: its budget is WithFetchTimeout; Token has no context.
	src := NewSource(silentFetcher(url, hc), WithProvider("moov"), WithFetchTimeout(300*time.Millisecond), WithRetry(RetryPolicy{MinBackoff: time.Millisecond}))
	start = time.Now()
	_, err = src.Token()
	require.Less(t, time.Since(start), 5*time.Second)
	requireBudgetTimeout(t, err, 300*time.Millisecond)
}

// The caller's own deadline: its error matches context.DeadlineExceeded.
func TestFetchCallerDeadline(t *testing.T) {
	t.Parallel()
	url := silentEndpoint(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Retry(ctx, RetryPolicy{}, silentFetcher(url, &http.Client{Transport: tr}))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, strings.HasPrefix(err.Error(), "moov: "), err.Error())

	// The fetch goes on for the others after this caller gave up, until
	// its own budget ends.
	src := NewSource(silentFetcher(url, &http.Client{Transport: tr}), WithProvider("moov"), WithFetchTimeout(500*time.Millisecond))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	_, err = src.TokenContext(ctx2)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, strings.HasPrefix(err.Error(), "moov: gave up waiting for a token"), err.Error())
	src.waitIdle()
}

// An HTTP client's own timeout is a timeout, retried, and does not match
// context.DeadlineExceeded while the caller's context still runs.
func TestTransportTimeoutIsNotCallerDeadline(t *testing.T) {
	t.Parallel()
	url := silentEndpoint(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 100 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	calls := 0
	fetch := silentFetcher(url, hc)
	_, err := Retry(ctx, RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond}, func(ctx context.Context) (*oauth2.Token, error) {
		calls++
		return fetch(ctx)
	})
	require.Equal(t, 2, calls, "retried")
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "%T %v", err, err)
	require.True(t, strings.HasPrefix(err.Error(), "moov: token request failed after 2 attempts"), err.Error())
}

// Every error a Source returns names its provider, whatever its Fetcher
// says.
func TestSourceErrorsNameProvider(t *testing.T) {
	t.Parallel()
	src := NewSource(func(context.Context) (*oauth2.Token, error) { return nil, errors.New("bad day") },
		WithProvider("moneykit"), WithRetry(RetryPolicy{MaxAttempts: 1}))
	_, err := src.Token()
	require.EqualError(t, err, "moneykit: bad day")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.TokenContext(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, strings.HasPrefix(err.Error(), "moneykit: "), err.Error())
}
