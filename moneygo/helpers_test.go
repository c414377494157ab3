package moneygo_test

import (
	"net/http"
	"testing"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

func TestMain(m *testing.M) { providertest.Main(m) }

const (
	testID     = "mg_client_42" // the base of each test's own client id (provider.ID)
	testSecret = providertest.TestSecret
)

const okBody = `{"token_type":"Bearer","expires_in":2592000,"access_token":"mgo_8f14e45fceea167a5a36"}`

// provider is Money-Go to the shared suite: JSON bodies, answered 200.
var provider = providertest.Provider[map[string]any, *moneygo.Config]{
	Name:      "moneygo",
	ClientID:  testID,
	Decode:    providertest.JSONBody,
	New:       newConfig,
	OK:        providertest.Always(200, okBody),
	Fetch:     providertest.Token[*moneygo.Config],
	FetchOnce: providertest.Once[*moneygo.Config],
}

// server is a loopback Money-Go token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

var (
	newServer = provider.NewServer
	config    = provider.Config
)

// newConfig is a bare Config: these credentials, against baseURL through hc.
func newConfig(id string, secret auth.Secret, baseURL string, hc *http.Client) *moneygo.Config {
	return &moneygo.Config{ClientID: id, ClientSecret: secret, BaseURL: baseURL, HTTPClient: hc}
}
