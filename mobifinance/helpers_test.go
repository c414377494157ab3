package mobifinance_test

import (
	"net/url"
	"testing"

	"go.uber.org/goleak"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testID     = "mf_client_7"
	testSecret = providertest.TestSecret
)

// server is a loopback MobiFinance token endpoint recording each request,
// its form body decoded.
type server = providertest.Server[url.Values]

func newServer(t *testing.T, answer providertest.Answer) *server {
	t.Helper()
	return providertest.NewServer(t, providertest.FormBody, answer)
}
