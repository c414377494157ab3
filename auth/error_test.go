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

// errorClasses are the kinds (want: the sentinel it Is, nil for none) and
// Temporary answers of Errors by status and provider code. A kind that is
// temporary (rate limited, server error) is so whatever the status; the
// status rules (408, 429, 5xx: temporary) hold whatever the code.
var errorClasses = []struct {
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
	// by kind, with a status that alone would be final
	{400, "api_error.rate_limit_exceeded", ErrRateLimited, true}, // MoneyKit's code with a 400
	{401, "api_error.rate_limit_exceeded", ErrRateLimited, true},
	{403, "rate_limited", ErrRateLimited, true},
	{400, "temporarily_unavailable", ErrServer, true}, // RFC 6749 §4.1.2.1
	{400, "server_error", ErrServer, true},
	{404, "server_error", ErrServer, true},
	// temporary by status, whatever the code
	{408, "invalid_request", ErrInvalidRequest, true},
	{429, "invalid_client", ErrInvalidClient, true},
	{500, "invalid_request", ErrInvalidRequest, true},
	{503, "invalid_grant", ErrInvalidGrant, true},
}

// TestErrorMapping: each of errorClasses, built by newError, by hand or
// wrapped, Is its sentinel and no other, and is Temporary as the class says.
func TestErrorMapping(t *testing.T) {
	for _, tc := range errorClasses {
		t.Run(fmt.Sprintf("%d/%s", tc.status, tc.code), func(t *testing.T) {
			e := newError("p", tc.status, nil, nil, tc.code, "", "")
			for _, s := range sentinels {
				require.Equal(t, errors.Is(tc.want, s), errors.Is(e, s), "errors.Is(%v)", s)
			}
			require.Equal(t, tc.temporary, e.Temporary())
			if tc.temporary {
				require.True(t, errors.Is(e, ErrRateLimited) || errors.Is(e, ErrServer) ||
					tc.status == 408 || tc.status == 429 || tc.status >= 500, "temporary only by kind or status")
			}
			// A hand-built Error classifies the same way.
			hand := &Error{StatusCode: tc.status, Code: tc.code}
			if tc.want != nil {
				require.ErrorIs(t, hand, tc.want)
			}
			require.Equal(t, tc.temporary, hand.Temporary(), "a hand-built Error")
			wrapped := fmt.Errorf("moov: %w", e)
			if tc.want != nil {
				require.ErrorIs(t, wrapped, tc.want)
			}
		})
	}
}

// A 2xx without a token is malformed, never temporary, whatever its body's
// code says.
func TestMalformedNeverTemporary(t *testing.T) {
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
