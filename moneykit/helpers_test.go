package moneykit_test

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
	testID     = "live_5c739a369515e10fc9e0"
	testSecret = providertest.TestSecret
)

// wantBasic is the Authorization header for testID and testSecret.
var wantBasic = providertest.BasicAuth(testID)

// server is a loopback MoneyKit token endpoint recording each request,
// its form body decoded.
type server = providertest.Server[url.Values]

func newServer(t *testing.T, answer providertest.Answer) *server {
	t.Helper()
	return providertest.NewServer(t, providertest.FormBody, answer)
}
