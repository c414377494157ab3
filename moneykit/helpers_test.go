package moneykit_test

import (
	"net/http"
	"net/url"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneykit"
)

const testID = "live_5c739a369515e10fc9e0"

const okBody = `{"access_token":"52ea3d1b4a7f4f9a53fffb67","token_type":"bearer","expires_in":3600}`

// created answers as MoneyKit documents: 201.
func created(body string) providertest.Answer {
	return providertest.Always(http.StatusCreated, body)
}

// provider is MoneyKit to the shared suite: form bodies, answered 201; the
// tests ask for two scopes.
var provider = providertest.Provider[url.Values, *moneykit.Config]{
	Name:   "moneykit",
	Decode: providertest.FormBody,
	New:    newConfig,
	Test:   func(c *moneykit.Config) { c.Scopes = []string{"accounts:read", "transactions:read"} },
	OK:     created(okBody),
}

// server is a loopback MoneyKit token endpoint recording each request,
// its form body decoded.
type server = providertest.Server[url.Values]

// newConfig is a bare Config: these credentials, against baseURL through hc.
func newConfig(id string, secret auth.Secret, baseURL string, hc *http.Client) *moneykit.Config {
	return &moneykit.Config{ClientID: id, ClientSecret: secret, BaseURL: baseURL, HTTPClient: hc}
}
