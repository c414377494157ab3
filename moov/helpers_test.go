package moov_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testID     = "5clTR_MdVrrkgxw2"
	testSecret = providertest.TestSecret
)

// wantBasic is the Authorization header for testID and testSecret.
var wantBasic = providertest.BasicAuth(testID)

// server is a loopback Moov token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

func newServer(t *testing.T, answer providertest.Answer) *server {
	t.Helper()
	return providertest.NewServer(t, providertest.JSONBody, answer)
}
