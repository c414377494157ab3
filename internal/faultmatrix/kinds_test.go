package faultmatrix_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/paytoken/paytoken/auth"
)

// Kinds of outcome. The sentinel kinds are matched with errors.Is.
const (
	kToken     = "token"
	kRate      = "ErrRateLimited"
	kServer    = "ErrServer"
	kMalformed = "ErrMalformedResponse"
	kRequest   = "ErrInvalidRequest"
	kClient    = "ErrInvalidClient"
	kGrant     = "ErrInvalidGrant"
	kNetwork   = "network error"
	kTimeout   = "timeout"
	kRedirect  = "*auth.Error (3xx)"
)

var sentinelKinds = []struct {
	name string
	err  error
}{
	{kRate, auth.ErrRateLimited}, {kServer, auth.ErrServer}, {kMalformed, auth.ErrMalformedResponse},
	{kRequest, auth.ErrInvalidRequest}, {kClient, auth.ErrInvalidClient}, {kGrant, auth.ErrInvalidGrant},
	{"ErrUnsupportedGrantType", auth.ErrUnsupportedGrantType}, {"ErrInsecureURL", auth.ErrInsecureURL},
}

// kindOf names what err is: a timeout or a network failure first (a body
// cut off mid-read is one, whatever the status said), then the sentinel an
// *auth.Error matches, then a redirect Error, which matches none.
func kindOf(err error) string {
	if err == nil {
		return kToken
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return kTimeout
	}
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return kNetwork
	}
	var matched []string
	for _, s := range sentinelKinds {
		if errors.Is(err, s.err) {
			matched = append(matched, s.name)
		}
	}
	if len(matched) == 1 {
		return matched[0]
	}
	if len(matched) > 1 {
		return "several sentinels: " + strings.Join(matched, ", ")
	}
	var e *auth.Error
	if errors.As(err, &e) && e.StatusCode >= 300 && e.StatusCode <= 399 {
		return kRedirect
	}
	return fmt.Sprintf("unclassified %T", err)
}
