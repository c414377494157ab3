package mobifinance_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mobifinance"
)

// TestExchangeSaysWhetherTheCodeIsSpent: every Exchange failure matches
// exactly one of ErrCodeNotSent (no request can have reached MobiFinance:
// the code may be sent again) and ErrReauthorize (the code is spent).
func TestExchangeSaysWhetherTheCodeIsSpent(t *testing.T) {
	notSent := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, mobifinance.ErrCodeNotSent)
		assert.NotErrorIs(t, err, mobifinance.ErrReauthorize)
	}
	spent := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
		assert.NotErrorIs(t, err, mobifinance.ErrCodeNotSent)
	}

	t.Run("bad Config", func(t *testing.T) {
		t.Parallel()
		_, err := (&mobifinance.Config{ClientID: testID, ClientSecret: providertest.TestSecret}).Exchange(context.Background(), testCode)
		notSent(t, err)
		assert.ErrorContains(t, err, "RedirectURL")
	})
	t.Run("empty code", func(t *testing.T) {
		t.Parallel()
		s := provider.NewServer(t, providertest.Always(200, okBody))
		_, err := provider.Config(s).Exchange(context.Background(), "")
		notSent(t, err)
		assert.Empty(t, s.Requests())
	})
	t.Run("context already done", func(t *testing.T) {
		t.Parallel()
		s := provider.NewServer(t, providertest.Always(200, okBody))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := provider.Config(s).Exchange(ctx, testCode)
		notSent(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, s.Requests())
	})
	t.Run("nothing listens", func(t *testing.T) {
		t.Parallel()
		cfg := &mobifinance.Config{ClientID: testID, ClientSecret: providertest.TestSecret, RedirectURL: testRedirect, BaseURL: "http://" + testenv.RefusedAddr(t)}
		_, err := cfg.Exchange(context.Background(), testCode)
		notSent(t, err)
		assert.Contains(t, err.Error(), "mobifinance: token request failed after 3 attempts")
	})
	for _, status := range []int{400, 401, 403, 429, 500, 505} {
		t.Run("HTTP "+strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			s := provider.NewServer(t, providertest.Always(status, `{"error":"server_error"}`))
			_, err := provider.Config(s).Exchange(context.Background(), testCode)
			spent(t, err)
			assert.Len(t, s.Requests(), 1)
		})
	}
	t.Run("answer cut off mid-body", func(t *testing.T) {
		t.Parallel()
		s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Content-Length", "200")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"access_token":"8f14e45f`))
		})
		_, err := provider.Config(s).Exchange(context.Background(), testCode)
		spent(t, err)
		var tmp interface{ Temporary() bool }
		assert.True(t, errors.As(err, &tmp) && tmp.Temporary(), "a network error: %v", err)
		assert.Len(t, s.Requests(), 1)
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		s := provider.NewServer(t, func(_ http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() })
		cfg := provider.Config(s)
		cfg.HTTPClient = s.Client()
		cfg.HTTPClient.Timeout = 200 * time.Millisecond
		_, err := cfg.Exchange(context.Background(), testCode)
		spent(t, err)
		assert.Len(t, s.Requests(), 1)
	})
}

// TestExchangeRetriesUnsent: a request that never left (a failed dial) is
// retried: the code was not spent.
func TestExchangeRetriesUnsent(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	var dials atomic.Int32
	tr := s.Client().Transport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}
	defer tr.CloseIdleConnections()
	cfg := provider.Config(s)
	cfg.HTTPClient = &http.Client{Transport: tr}
	tok, err := cfg.Exchange(context.Background(), testCode)
	require.NoError(t, err)
	assert.Equal(t, "8f14e45fceea167a5a36dedd4bea2543", tok.AccessToken)
	assert.Equal(t, int32(2), dials.Load())
	assert.Len(t, s.Requests(), 1)
}

// TestErrorMessageAfterRetries: an Exchange whose dial failed three times
// (the one failure it retries) names the provider once and says how many
// attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	t.Parallel()
	addr := testenv.RefusedAddr(t) // every dial refused
	cfg := &mobifinance.Config{ClientID: testID, ClientSecret: providertest.TestSecret, RedirectURL: testRedirect, BaseURL: "http://" + addr}
	_, err := cfg.Exchange(context.Background(), testCode)
	require.Error(t, err)
	want := "mobifinance: token request failed after 3 attempts: Post \"http://" + addr + "/v2/oauth/token\": dial tcp " + addr + ": "
	assert.True(t, strings.HasPrefix(err.Error(), want), "%q does not start with %q", err, want)
	assert.Equal(t, 1, strings.Count(err.Error(), "mobifinance"), err.Error())
	var op *net.OpError
	assert.ErrorAs(t, err, &op)
}
