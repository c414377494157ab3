package moneykit_test

import (
	"net/url"
	"testing"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) { providertest.Main(m) }

// wantBasic is the Authorization header for testID and testSecret.
var wantBasic = providertest.BasicAuth(testID)

// server is a loopback MoneyKit token endpoint recording each request,
// its form body decoded.
type server = providertest.Server[url.Values]

var newServer = providertest.Servers(providertest.FormBody)
