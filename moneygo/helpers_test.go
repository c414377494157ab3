package moneygo_test

import (
	"net/http"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

const testID = "mg_client_42"

const okBody = `{"token_type":"Bearer","expires_in":2592000,"access_token":"mgo_8f14e45fceea167a5a36"}`

// provider is Money-Go to the shared suite: JSON bodies, answered 200.
var provider = providertest.Provider[map[string]any, *moneygo.Config]{
	Name:   "moneygo",
	Decode: providertest.JSONBody,
	New:    newConfig,
	OK:     providertest.Always(200, okBody),
}

// server is a loopback Money-Go token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

// newConfig is a bare Config: these credentials, against baseURL through hc.
func newConfig(id string, secret auth.Secret, baseURL string, hc *http.Client) *moneygo.Config {
	return &moneygo.Config{ClientID: id, ClientSecret: secret, BaseURL: baseURL, HTTPClient: hc}
}
