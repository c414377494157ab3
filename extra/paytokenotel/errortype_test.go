package paytokenotel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"testing"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mobifinance"
)

func TestErrorType(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrPermission}
	timeout := &url.Error{Op: "Post", URL: "https://x", Err: &net.DNSError{IsTimeout: true}}
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&auth.Error{Provider: "moov", StatusCode: 400, Code: "invalid_client"}, "invalid_client"},
		{&auth.Error{Provider: "moneykit", StatusCode: 401, Code: "api_error.auth.unauthorized"}, "invalid_client"},
		{&auth.Error{Provider: "moov", StatusCode: 400, Code: "invalid_grant"}, "invalid_grant"},
		{&auth.Error{Provider: "moov", StatusCode: 400, Code: "invalid_scope"}, "invalid_request"},
		{&auth.Error{Provider: "mobifinance", StatusCode: 415, Code: "unsupported_grant_type"}, "unsupported_grant_type"},
		{fmt.Errorf("moov: after 3 attempts: %w", &auth.Error{Provider: "moov", StatusCode: 429, Code: ""}), "rate_limited"},
		{&auth.Error{Provider: "moneygo", StatusCode: 502, Code: ""}, "server"},
		{&auth.Error{Provider: "moneygo", StatusCode: 404, Code: ""}, "404"},
		{fmt.Errorf("moov: %w", auth.ErrMalformedResponse), "malformed_response"},
		{&auth.ConfigError{Provider: "moov", Field: "BaseURL", Err: auth.ErrInsecureURL}, "insecure_url"},
		{&auth.ConfigError{Provider: "moov", Field: "ClientID", Err: errors.New("empty")}, "config"},
		{fmt.Errorf("mobifinance: expired: %w", mobifinance.ErrReauthorize), "reauthorize"},
		{fmt.Errorf("auth: gave up waiting: %w", context.DeadlineExceeded), "timeout"},
		{timeout, "timeout"},
		{fmt.Errorf("auth: gave up waiting: %w", context.Canceled), "canceled"},
		{fmt.Errorf("moov: token request: %w", dial), "network"},
		{fmt.Errorf("moov: token request: %w", io.ErrUnexpectedEOF), "network"},
		{errors.New("anything else: secret-looking text"), "_OTHER"},
	} {
		if got := errorType(c.err); got != c.want {
			t.Errorf("errorType(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
