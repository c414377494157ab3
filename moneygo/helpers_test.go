package moneygo_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testID     = "mg_client_42"
	testSecret = providertest.TestSecret
)

// server is a loopback Money-Go token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

func newServer(t *testing.T, answer providertest.Answer) *server {
	t.Helper()
	return providertest.NewServer(t, providertest.JSONBody, answer)
}
