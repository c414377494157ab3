package moov_test

import (
	"testing"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) { providertest.Main(m) }

// wantBasic is the Authorization header for testID and testSecret.
var wantBasic = providertest.BasicAuth(testID)

// server is a loopback Moov token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

var newServer = providertest.Servers(providertest.JSONBody)
