package auth_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

var quickRetry = auth.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Microsecond, MaxBackoff: time.Microsecond}

// TestRetryMessageNamesProviderOnce: after several attempts the message
// names the provider once, at its start, says how many attempts were made
// and goes on with what the last attempt said, whether Retry runs under a
// provider's Config.Token (then PrefixError) or under a Source; errors.As
// and errors.Is still reach the last error.
func TestRetryMessageNamesProviderOnce(t *testing.T) {
	ep := providerkit.Endpoint{Provider: "moov"}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name  string
		send  func(context.Context) (*http.Response, error)
		want  string
		check func(t *testing.T, err error)
	}{
		{
			name: "502",
			send: answer(502, http.Header{"X-Request-Id": {"r-1"}}, `<html>bad gateway</html>`),
			want: "moov: token request failed after 3 attempts: HTTP 502 Bad Gateway [request id r-1]",
			check: func(t *testing.T, err error) {
				var e *auth.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 502, e.StatusCode)
				assert.ErrorIs(t, err, auth.ErrServer)
			},
		},
		{
			name: "rate limited with a code",
			send: answer(429, nil, `{"error":"rate_limited","error_description":"slow down"}`),
			want: "moov: token request failed after 3 attempts: HTTP 429 Too Many Requests: rate_limited: slow down",
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, auth.ErrRateLimited)
			},
		},
		{
			name: "network",
			send: func(context.Context) (*http.Response, error) { return nil, refused },
			want: "moov: token request failed after 3 attempts: dial tcp: connection refused",
			check: func(t *testing.T, err error) {
				var op *net.OpError
				require.ErrorAs(t, err, &op)
				assert.Same(t, refused, op)
				assert.ErrorIs(t, err, syscall.ECONNREFUSED)
			},
		},
		{
			name: "body cut off",
			send: func(context.Context) (*http.Response, error) {
				return &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF))}, nil
			},
			want: "moov: token request failed after 3 attempts: HTTP 500 Internal Server Error: reading the body: unexpected EOF",
			check: func(t *testing.T, err error) {
				var e *auth.Error
				require.ErrorAs(t, err, &e)
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
				assert.ErrorIs(t, err, auth.ErrServer)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fetch := func(ctx context.Context) (*oauth2.Token, error) { return ep.Send(ctx, tc.send) }

			_, err := auth.Retry(context.Background(), quickRetry, fetch)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error(), "Retry")
			tc.check(t, err)
			prefixed := providerkit.PrefixError("moov", err)
			assert.Same(t, err, prefixed, "PrefixError leaves it as it is")

			_, err = auth.NewSource(fetch, auth.WithRetry(quickRetry)).Token()
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error(), "Source")
			tc.check(t, err)
		})
	}

	// One attempt, the rest of the message as Send said it.
	_, err := auth.Retry(context.Background(), auth.RetryPolicy{MaxAttempts: 1}, func(ctx context.Context) (*oauth2.Token, error) {
		return ep.Send(ctx, answer(502, nil, ""))
	})
	assert.Equal(t, "moov: token request failed: HTTP 502 Bad Gateway", err.Error())

	// The caller's context ends between attempts.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = auth.Retry(ctx, auth.RetryPolicy{MaxAttempts: 3, MinBackoff: 10 * time.Second, MaxBackoff: 10 * time.Second}, func(ctx context.Context) (*oauth2.Token, error) {
		time.AfterFunc(time.Millisecond, cancel)
		return ep.Send(ctx, answer(503, nil, ""))
	})
	assert.Equal(t, "moov: token request failed after 1 attempt (context canceled): HTTP 503 Service Unavailable", err.Error())
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, auth.ErrServer)
}

// A Fetcher of one's own, whose errors do not come from an Endpoint: auth
// is what retried, and the last error is quoted whole.
func TestRetryMessageOwnFetcher(t *testing.T) {
	last := errors.New("mine: upstream said no")
	_, err := auth.Retry(context.Background(), quickRetry, func(context.Context) (*oauth2.Token, error) {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: last}
	})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "auth: token request failed after 3 attempts: read tcp: mine: upstream said no"), err.Error())
	assert.ErrorIs(t, err, last)
}
