package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var sentinels = []error{ErrInvalidRequest, ErrInvalidClient, ErrInvalidGrant, ErrUnsupportedGrantType, ErrRateLimited, ErrServer, ErrMalformedResponse, ErrInsecureURL}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		status    int
		code      string
		want      error
		temporary bool
	}{
		// by provider code (preferred over the status)
		{400, "invalid_request", ErrInvalidRequest, false},
		{401, "invalid_client", ErrInvalidClient, false},
		{401, "unauthorized_client", ErrInvalidClient, false},         // MobiFinance
		{401, "api_error.auth.unauthorized", ErrInvalidClient, false}, // MoneyKit
		{403, "invalid_grant", ErrInvalidGrant, false},
		{401, "api_error.auth.expired_access_token", ErrInvalidGrant, false},
		{415, "unsupported_grant_type", ErrUnsupportedGrantType, false},
		{429, "api_error.rate_limit_exceeded", ErrRateLimited, true},
		{400, "rate_limit_exceeded", ErrRateLimited, true}, // the kind, not the status, says temporary
		{400, "slow_down", ErrRateLimited, true},
		{505, "server_error", ErrServer, true}, // MobiFinance
		{503, "temporarily_unavailable", ErrServer, true},
		{400, "INVALID_REQUEST", ErrInvalidRequest, false},
		// by status alone
		{400, "", ErrInvalidRequest, false},
		{401, "", ErrInvalidClient, false},
		{403, "", ErrInvalidGrant, false},
		{415, "", ErrUnsupportedGrantType, false},
		{422, "", ErrInvalidRequest, false}, // Moov: the contents failed validation
		{429, "", ErrRateLimited, true},
		{500, "", ErrServer, true},
		{502, "", ErrServer, true},
		{503, "", ErrServer, true},
		{504, "", ErrServer, true},
		{505, "", ErrServer, true},
		{599, "", ErrServer, true},
		{200, "", ErrMalformedResponse, false},
		{201, "", ErrMalformedResponse, false},
		{408, "", nil, true},
		{404, "", nil, false},
		{302, "", nil, false},
		{400, "something_else", ErrInvalidRequest, false},
	} {
		t.Run(fmt.Sprintf("%d/%s", tc.status, tc.code), func(t *testing.T) {
			e := newError("p", tc.status, nil, nil, tc.code, "", "")
			for _, s := range sentinels {
				require.Equal(t, errors.Is(tc.want, s), errors.Is(e, s), "errors.Is(%v)", s)
			}
			require.Equal(t, tc.temporary, e.Temporary())
			// A hand-built Error classifies the same way.
			hand := &Error{StatusCode: tc.status, Code: tc.code}
			if tc.want != nil {
				require.ErrorIs(t, hand, tc.want)
			}
			wrapped := fmt.Errorf("moov: %w", e)
			if tc.want != nil {
				require.ErrorIs(t, wrapped, tc.want)
			}
		})
	}
}

// TestErrorTemporary: Temporary agrees with the error's kind (rate limited
// or server error: temporary, whatever the status) and keeps the status
// rules (408, 429, 5xx: temporary, whatever the code).
func TestErrorTemporary(t *testing.T) {
	for _, tc := range []struct {
		status    int
		code      string
		temporary bool
	}{
		// by kind, with a status that alone would be final
		{400, "api_error.rate_limit_exceeded", true}, // MoneyKit's code with a 400
		{401, "api_error.rate_limit_exceeded", true},
		{403, "rate_limited", true},
		{400, "temporarily_unavailable", true}, // RFC 6749 §4.1.2.1
		{400, "server_error", true},
		{404, "server_error", true},
		// by status, whatever the code
		{408, "", true},
		{408, "invalid_request", true},
		{429, "invalid_client", true},
		{500, "invalid_request", true},
		{503, "invalid_grant", true},
		{505, "server_error", true},
		// final
		{400, "invalid_request", false},
		{401, "api_error.auth.unauthorized", false},
		{401, "api_error.auth.expired_access_token", false},
		{403, "invalid_grant", false},
		{415, "unsupported_grant_type", false},
		{400, "", false},
		{404, "", false},
		{302, "", false},
		{200, "", false},
	} {
		t.Run(fmt.Sprintf("%d/%s", tc.status, tc.code), func(t *testing.T) {
			e := newError("p", tc.status, nil, nil, tc.code, "", "")
			require.Equal(t, tc.temporary, e.Temporary())
			hand := &Error{StatusCode: tc.status, Code: tc.code}
			require.Equal(t, tc.temporary, hand.Temporary(), "a hand-built Error")
			if tc.temporary {
				require.True(t, errors.Is(e, ErrRateLimited) || errors.Is(e, ErrServer) ||
					tc.status == 408 || tc.status == 429 || tc.status >= 500, "temporary only by kind or status")
			}
		})
	}

	// A 2xx without a token is malformed, never temporary, whatever its
	// body's code says.
	r := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"error":"temporarily_unavailable"}`))}
	_, err := endpoint{Provider: "p"}.ReadResponse(r)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.ErrorIs(t, err, ErrMalformedResponse)
	require.False(t, e.Temporary())
}

func TestNewError(t *testing.T) {
	body := bytes.Repeat([]byte("x"), maxErrorBody+100)
	h := http.Header{"Retry-After": {"3"}, "X-Request-Id": {"req-1"}}
	e := newError("moov", 429, h, body, "rate_limited", "slow\ndown", "https://docs")
	require.Len(t, e.Body, maxErrorBody)
	body[0] = 'y'
	require.Equal(t, byte('x'), e.Body[0], "the body is copied")
	require.Equal(t, 3*time.Second, e.RetryAfter)
	require.Equal(t, "req-1", e.RequestID)
	require.Equal(t, "https://docs", e.URI)
	require.Equal(t, "moov: token request failed: HTTP 429 Too Many Requests: rate_limited: slow down (retry after 3s) [request id req-1]", e.Error())
	require.NotContains(t, e.Error(), "xxxx", "the body is never in the message")

	long := newError("", 400, nil, nil, strings.Repeat("c", 150), strings.Repeat("d", 250), "")
	require.Equal(t, "token request failed: HTTP 400 Bad Request: "+strings.Repeat("c", 100)+"…: "+strings.Repeat("d", 200)+"…", long.Error())
	require.Equal(t, "token request failed: HTTP 999", newError("", 999, nil, nil, "", "", "").Error())
}
