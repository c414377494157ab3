package moneygo_test

import (
	"testing"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) { providertest.Main(m) }

// server is a loopback Money-Go token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

var newServer = providertest.Servers(providertest.JSONBody)
