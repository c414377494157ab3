package paytokenotel

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mobifinance"
)

// kinds maps the SDK's sentinel errors to error.type values, most specific
// first.
var kinds = []struct {
	err  error
	name string
}{
	{auth.ErrInvalidClient, "invalid_client"},
	{auth.ErrInvalidGrant, "invalid_grant"},
	{auth.ErrInvalidRequest, "invalid_request"},
	{auth.ErrUnsupportedGrantType, "unsupported_grant_type"},
	{auth.ErrRateLimited, "rate_limited"},
	{auth.ErrServer, "server"},
	{auth.ErrMalformedResponse, "malformed_response"},
	{auth.ErrInsecureURL, "insecure_url"},
	{mobifinance.ErrReauthorize, "reauthorize"},
}

// errorType is err's error.type: a kind from a small fixed set, never
// anything taken from the error's text, so it can label a metric.
func errorType(err error) string {
	if err == nil {
		return ""
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if _, ok := errors.AsType[*auth.ConfigError](err); ok {
		return "config"
	}
	var te interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout() {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	var ae *auth.Error
	if errors.As(err, &ae) && ae.StatusCode > 0 {
		return strconv.Itoa(ae.StatusCode)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "network"
	}
	return "_OTHER"
}
