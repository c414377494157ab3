package auth

import (
	"bytes"
	"errors"
	"fmt"
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
		{400, "rate_limit_exceeded", ErrRateLimited, false},
		{400, "slow_down", ErrRateLimited, false},
		{505, "server_error", ErrServer, true}, // MobiFinance
		{503, "temporarily_unavailable", ErrServer, true},
		{400, "INVALID_REQUEST", ErrInvalidRequest, false},
		// by status alone
		{400, "", ErrInvalidRequest, false},
		{401, "", ErrInvalidClient, false},
		{403, "", ErrInvalidGrant, false},
		{415, "", ErrUnsupportedGrantType, false},
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
			e := NewError("p", tc.status, nil, nil, tc.code, "", "")
			for _, s := range sentinels {
				require.Equal(t, s == tc.want, errors.Is(e, s), "errors.Is(%v)", s)
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

func TestNewError(t *testing.T) {
	body := bytes.Repeat([]byte("x"), MaxErrorBody+100)
	h := http.Header{"Retry-After": {"3"}, "X-Request-Id": {"req-1"}}
	e := NewError("moov", 429, h, body, "rate_limited", "slow\ndown", "https://docs")
	require.Len(t, e.Body, MaxErrorBody)
	body[0] = 'y'
	require.Equal(t, byte('x'), e.Body[0], "the body is copied")
	require.Equal(t, 3*time.Second, e.RetryAfter)
	require.Equal(t, "req-1", e.RequestID)
	require.Equal(t, "https://docs", e.URI)
	require.Equal(t, "moov: token request failed: HTTP 429 Too Many Requests: rate_limited: slow down (retry after 3s) [request id req-1]", e.Error())
	require.NotContains(t, e.Error(), "xxxx", "the body is never in the message")

	long := NewError("", 400, nil, nil, strings.Repeat("c", 150), strings.Repeat("d", 250), "")
	require.Equal(t, "token request failed: HTTP 400 Bad Request: "+strings.Repeat("c", 100)+"…: "+strings.Repeat("d", 200)+"…", long.Error())
	require.Equal(t, "token request failed: HTTP 999", NewError("", 999, nil, nil, "", "", "").Error())
}
