package moov_test

import (
	"net/http"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moov"
)

const testID = "5clTR_MdVrrkgxw2"

const okBody = `{"access_token":"i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6","expires_in":900,` +
	`"refresh_token":"r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6","scope":"/accounts.write","token_type":"opaque"}`

// provider is Moov to the shared suite: JSON bodies, answered 200; the
// tests ask for two scopes.
var provider = providertest.Provider[map[string]any, *moov.Config]{
	Name:   "moov",
	Decode: providertest.JSONBody,
	New:    newConfig,
	Test:   func(c *moov.Config) { c.Scopes = []string{"/accounts.read", "/accounts.write"} },
	OK:     providertest.Always(200, okBody),
}

// server is a loopback Moov token endpoint recording each request,
// its JSON body decoded.
type server = providertest.Server[map[string]any]

// newConfig is a bare Config: these credentials, against baseURL through hc.
func newConfig(id string, secret auth.Secret, baseURL string, hc *http.Client) *moov.Config {
	return &moov.Config{ClientID: id, ClientSecret: secret, BaseURL: baseURL, HTTPClient: hc}
}
