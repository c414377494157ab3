package mobifinance_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/mobifinance"
)

// The shared suite (providertest.Provider) with MobiFinance's cases.

// TestExchangeRequest: the exact request MobiFinance receives: all five
// form fields, credentials in the body, no Authorization header.
func TestExchangeRequest(t *testing.T) {
	provider.TokenRequest(t, []providertest.RequestCase[url.Values, *mobifinance.Config]{{
		Name: "documented", Path: "/v2/oauth/token", ContentType: "application/x-www-form-urlencoded",
		Want: func(id string) url.Values {
			return url.Values{
				"redirect_uri":  {testRedirect},
				"client_id":     {id},
				"client_secret": {providertest.TestSecret},
				"code":          {testCode},
				"grant_type":    {"authorization_code"},
			}
		},
	}})
}

// TestExchangeAnswers: the documented answer (a permanent token) and the
// forms expires_in may take.
func TestExchangeAnswers(t *testing.T) {
	t.Run("documented: no expires_in, no expiry", noExpiry)
	t.Run("expires_in 0: no expiry", zeroExpiry)
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "expires_in a number", Body: `{"access_token":"a","token_type":"bearer","expires_in":3600}`, Expiry: time.Hour},
		{Name: "expires_in a numeric string", Body: `{"access_token":"a","token_type":"bearer","expires_in":"7200"}`, Expiry: 2 * time.Hour},
		{Name: "expires_in a Unix time", Body: `{"access_token":"a","token_type":"bearer","expires_in":` + providertest.UnixIn(6*time.Hour) + `}`, Expiry: 6 * time.Hour},
	})
}

// TestExchangeErrors: each documented error, mapped, and never retried.
func TestExchangeErrors(t *testing.T) {
	// Retry-After 0: an answer Exchange would retry, if it retried any.
	now := map[string]string{"Retry-After": "0"}
	provider.TokenErrors(t, providertest.DefaultPolicy, []providertest.ErrorCase{
		{Name: "400 invalid_request", Status: 400, Header: now, CType: "application/json", Body: `{"error":"invalid_request","error_description":"Bad request"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_request"},
		{Name: "401 unauthorized_client", Status: 401, Header: now, CType: "application/json", Body: `{"error":"unauthorized_client","error_description":"Invalid client_id or client_secret"}`, Kind: auth.ErrInvalidClient, Code: "unauthorized_client"},
		{Name: "403 invalid_grant", Status: 403, Header: now, CType: "application/json", Body: `{"error":"invalid_grant","error_description":"Invalid code"}`, Kind: auth.ErrInvalidGrant, Code: "invalid_grant"},
		{Name: "415 unsupported_grant_type", Status: 415, Header: now, CType: "application/json", Body: `{"error":"unsupported_grant_type","error_description":"Unsupported type"}`, Kind: auth.ErrUnsupportedGrantType, Code: "unsupported_grant_type"},
		{Name: "505 server_error", Status: 505, Header: now, CType: "application/json", Body: `{"error":"server_error","error_description":"Internal server error"}`, Kind: auth.ErrServer, Code: "server_error"},
		{Name: "502 ", Status: 502, Header: now, CType: "text/html", Body: `<html><body><h1>502 Bad Gateway</h1></body></html>`, Kind: auth.ErrServer},
		{Name: "429 ", Status: 429, Header: now, CType: "application/json", Body: `{}`, Kind: auth.ErrRateLimited},
		{Name: "503 ", Status: 503, Header: now, CType: "text/plain", Body: `try later`, Kind: auth.ErrServer},
		{Name: "200 ", Status: 200, Header: now, CType: "application/json", Body: `{"token_type":"Bearer"}`, Kind: auth.ErrMalformedResponse},
	})
}

// TestRedirectNotFollowed: a 3xx is an error; neither the credentials nor
// the code reach the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/v2/oauth/token", 307)
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	cases := []providertest.ConfigCase[*mobifinance.Config]{
		{Name: "empty ClientID", Edit: func(c *mobifinance.Config) { c.ClientID = "" }, Field: "mobifinance: Config.ClientID: empty"},
		{Name: "empty ClientSecret", Edit: func(c *mobifinance.Config) { c.ClientSecret = "" }, Field: "mobifinance: Config.ClientSecret: empty"},
		{Name: "missing RedirectURL", Edit: func(c *mobifinance.Config) { c.RedirectURL = "" }, Field: "mobifinance: Config.RedirectURL: empty"},
		{Name: "relative RedirectURL", Edit: func(c *mobifinance.Config) { c.RedirectURL = "/callback" }, Field: "mobifinance: Config.RedirectURL:"},
		{Name: "insecure BaseURL", Edit: func(c *mobifinance.Config) { c.BaseURL = "http://z-wallet.monpay.mn" }, Field: "mobifinance: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "BaseURL with a fragment", Edit: func(c *mobifinance.Config) { c.BaseURL = "https://z-wallet.monpay.mn#x" }, Field: "mobifinance: Config.BaseURL:"},
	}
	providertest.ConfigErrorsFrom(t, provider.NewServer, provider.Config, providertest.Always(200, okBody), cases, func(_ *server, cfg *mobifinance.Config) []error {
		_, err := cfg.Exchange(context.Background(), testCode)
		return []error{err}
	}, testCode)

	t.Run("empty code", emptyCode)
	t.Run("custom-scheme RedirectURL is accepted", customSchemeRedirect)
}

// TestEchoedCredentialsScrubbed: a server that answers an error quoting the
// form body it got (secret and code, form-encoded) and the code in its
// X-Request-Id gives an error with both replaced by [redacted], in the
// message and in every field of the *auth.Error.
func TestEchoedCredentialsScrubbed(t *testing.T) {
	provider.EchoedCredentialsScrubbed(t, providertest.Echo[url.Values, *mobifinance.Config]{
		Status: 403, Kind: auth.ErrInvalidGrant,
		Answer: func(got providertest.Request[url.Values]) (string, map[string]string) {
			return providertest.TestSecret + ":" + testCode, map[string]string{"error": "invalid_grant",
				"error_description": "code " + testCode + " already used; you sent " + got.Raw}
		},
		RequestID: "[redacted]:[redacted]", InDescription: "code [redacted] already used",
	})
}
