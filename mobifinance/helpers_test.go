package mobifinance_test

import (
	"net/url"
	"testing"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) { providertest.Main(m) }

// server is a loopback MobiFinance token endpoint recording each request,
// its form body decoded.
type server = providertest.Server[url.Values]

var newServer = providertest.Servers(providertest.FormBody)
