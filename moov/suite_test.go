package moov_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moov"
)

// The shared suite (providertest.Provider) with Moov's cases.

// TestTokenRequest: the exact request Moov receives, for each way of
// sending credentials and scopes.
func TestTokenRequest(t *testing.T) {
	const scopes = "/accounts.read /accounts.write"
	body := func(inBody bool, scope string) func(id string) map[string]any {
		return func(id string) map[string]any {
			m := map[string]any{"grant_type": "client_credentials"}
			if inBody {
				m["client_id"], m["client_secret"] = id, providertest.TestSecret
			}
			if scope != "" {
				m["scope"] = scope
			}
			return m
		}
	}
	provider.TokenRequest(t, []providertest.RequestCase[map[string]any, *moov.Config]{
		{Name: "Basic header (default), two scopes space-joined", Path: "/oauth2/token", Basic: true, ContentType: "application/json", Want: body(false, scopes)},
		{
			Name: "body credentials", Edit: func(_ *server, c *moov.Config) { c.AuthStyle = auth.InBody },
			Path: "/oauth2/token", ContentType: "application/json", Want: body(true, scopes),
		},
		{
			Name: "no scopes: the scope field is not sent", Edit: func(_ *server, c *moov.Config) { c.Scopes = nil },
			Path: "/oauth2/token", Basic: true, ContentType: "application/json", Want: body(false, ""),
		},
		{
			Name: "body credentials, no scopes", Edit: func(_ *server, c *moov.Config) { c.Scopes, c.AuthStyle = []string{}, auth.InBody },
			Path: "/oauth2/token", ContentType: "application/json", Want: body(true, ""),
		},
		{
			Name: "BaseURL with a path prefix", Edit: func(s *server, c *moov.Config) { c.BaseURL = s.URL + "/moov/v1" },
			Path: "/moov/v1/oauth2/token", Basic: true, ContentType: "application/json", Want: body(false, scopes),
		},
	})
}

// TestBasicHeaderDecodes: the header carries id and secret as given, so a
// server splitting at the first ':' gets the secret back whole.
func TestBasicHeaderDecodes(t *testing.T) {
	provider.BasicHeaderDecodes(t, providertest.Always(200, okBody), providertest.TestSecret)
}

// TestTokenAnswers: each documented (and undocumented but seen) answer.
func TestTokenAnswers(t *testing.T) {
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "documented opaque", Body: okBody, Expiry: 900 * time.Second, Raw: "opaque"},
		{Name: "jwt", Body: `{"access_token":"eyJ.x.y","expires_in":900,"token_type":"jwt"}`, Expiry: 900 * time.Second, Raw: "jwt"},
		{Name: "expires_in as a numeric string", Body: `{"access_token":"a","expires_in":"600","token_type":"opaque"}`, Expiry: 600 * time.Second, Raw: "opaque"},
		{Name: "expires_in as a Unix time", Body: `{"access_token":"a","expires_in":` + providertest.UnixIn(2*time.Hour) + `,"token_type":"opaque"}`, Expiry: 2 * time.Hour, Raw: "opaque"},
		{Name: "expires_in absent: 15 minutes", Body: `{"access_token":"a","token_type":"opaque"}`, Expiry: 15 * time.Minute, Raw: "opaque"},
		{Name: "expires_in 0: 15 minutes", Body: `{"access_token":"a","expires_in":0,"token_type":"opaque"}`, Expiry: 15 * time.Minute, Raw: "opaque"},
		{
			Name:  "form answer (the reply mirrors a form request)",
			CType: "application/x-www-form-urlencoded", Body: "access_token=f1&expires_in=900&token_type=opaque", Expiry: 900 * time.Second, Access: "f1",
		},
	})

	t.Run("documented fields", provider.DocumentedFields(providertest.Documented{
		Access: "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", Refresh: "r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6",
		ExpiresIn: 900, Extra: map[string]string{"scope": "/accounts.write"},
	}))

}

// TestTokenErrors: answers that are not a token, with what is kept of them
// and how often each is tried under Token's default policy.
func TestTokenErrors(t *testing.T) {
	provider.TokenErrors(t, providertest.DefaultPolicy, []providertest.ErrorCase{
		{Name: "400 invalid_request", Status: 400, CType: "application/json", Body: `{"error":"invalid_request"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_request"},
		{Name: "401 invalid_client", Status: 401, CType: "application/json", Body: `{"error":"invalid_client","error_description":"bad key"}`, Kind: auth.ErrInvalidClient, Code: "invalid_client"},
		{Name: "400 invalid_grant", Status: 400, CType: "application/json", Body: `{"error":"invalid_grant"}`, Kind: auth.ErrInvalidGrant, Code: "invalid_grant"},
		{Name: "2xx without access_token", Status: 200, CType: "application/json", Body: `{"token_type":"opaque","expires_in":900}`, Kind: auth.ErrMalformedResponse},
		{Name: "2xx with a negative expires_in", Status: 200, CType: "application/json", Body: `{"access_token":"a","expires_in":-1}`, Kind: auth.ErrMalformedResponse},
		{Name: "2xx with a non-numeric expires_in", Status: 200, CType: "application/json", Body: `{"access_token":"a","expires_in":"soon"}`, Kind: auth.ErrMalformedResponse},
		{Name: "2xx with an overflowing expires_in", Status: 200, CType: "application/json", Body: `{"access_token":"a","expires_in":1e300}`, Kind: auth.ErrMalformedResponse},
		{Name: "502 HTML gateway page", Status: 502, CType: "text/html", Body: `<html><body><h1>502 Bad Gateway</h1></body></html>`, Kind: auth.ErrServer, Attempts: 3},
	})
}

// TestRedirectNotFollowed: a 3xx is an error; the credentials never reach
// the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/oauth2/token", 307)
}

// TestRateLimited: 429 with Retry-After (seconds or an HTTP-date) or
// X-Retry-In (ms) is retried after exactly that wait.
func TestRateLimited(t *testing.T) {
	// How long a retry waits is auth's business, tested there on a fake
	// clock; here, that each form of the server's wait reaches the Error,
	// and that a retry waits it (X-Retry-In, which counts milliseconds).
	provider.RetryAfters(t, []providertest.RetryAfterCase{
		{Name: "Retry-After seconds", Header: func() (string, string) { return "Retry-After", "1" }, Min: time.Second, Max: time.Second},
		{Name: "Retry-After HTTP-date", Header: func() (string, string) {
			return "Retry-After", time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		}, Min: time.Second, Max: 2 * time.Second}, // an HTTP-date has whole seconds: at least 1s of the 2s remain
		{Name: "X-Retry-In milliseconds", Header: func() (string, string) { return "X-Retry-In", "700" }, Min: 700 * time.Millisecond, Max: 700 * time.Millisecond},
	})
	t.Run("X-Retry-In 50 waited, then 200", func(t *testing.T) {
		provider.WaitedThenOK(t, 429, `{}`, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6")
	})
	provider.TokenErrors(t, providertest.OneAttempt, []providertest.ErrorCase{{
		Name: "the error keeps RetryAfter when retries are spent", Status: 429, Header: map[string]string{"Retry-After": "120"},
		CType: "application/json", Body: `{}`, Kind: auth.ErrRateLimited, RetryAfter: 120 * time.Second,
	}})
	t.Run("a wait longer than MaxRetryAfter is not waited", func(t *testing.T) {
		provider.NotWaited(t, providertest.Raw(429, map[string]string{"Retry-After": "3600", "Content-Type": "application/json"}, `{}`), 0, auth.ErrRateLimited)
	})
}

// TestDefaultStoreKey: WithStore(store, "") saves under
// StoreKey("moov", ClientID, Scopes...), which another Source then reads.
func TestDefaultStoreKey(t *testing.T) {
	providertest.TokenSourceStores(t, provider, provider.OK, func(id string) string {
		return auth.StoreKey("moov", id, "/accounts.write", "/accounts.read")
	}, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6")
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	cases := []providertest.ConfigCase[*moov.Config]{
		{Name: "empty ClientID", Edit: func(c *moov.Config) { c.ClientID = "" }, Field: "moov: Config.ClientID: empty"},
		{Name: "ClientID with ':' in a Basic header", Edit: func(c *moov.Config) { c.ClientID = "a:b" }, Field: "moov: Config.ClientID:"},
		{Name: "empty ClientSecret", Edit: func(c *moov.Config) { c.ClientSecret = "" }, Field: "moov: Config.ClientSecret: empty"},
		{Name: "scope with a space inside", Edit: func(c *moov.Config) { c.Scopes = []string{"/accounts.read", "/a /b"} }, Field: "moov: Config.Scopes[1]:"},
		{Name: "empty scope", Edit: func(c *moov.Config) { c.Scopes = []string{""} }, Field: "moov: Config.Scopes[0]: empty scope"},
		{Name: "insecure BaseURL", Edit: func(c *moov.Config) { c.BaseURL = "http://api.moov.io" }, Field: "moov: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "relative BaseURL", Edit: func(c *moov.Config) { c.BaseURL = "api.moov.io" }, Field: "moov: Config.BaseURL:"},
		{Name: "BaseURL with user info", Edit: func(c *moov.Config) { c.BaseURL = "https://u:p@api.moov.io" }, Field: "moov: Config.BaseURL:"},
		{Name: "unknown AuthStyle", Edit: func(c *moov.Config) { c.AuthStyle = 7 }, Field: "moov: Config.AuthStyle:"},
	}
	providertest.ConfigErrorsFrom(t, provider.NewServer, provider.Config, providertest.Always(200, okBody), cases, func(s *server, cfg *moov.Config) []error {
		_, refreshErr := cfg.Refresh(context.Background(), "rt")
		return append(providertest.ClientCredentialsUses(s, cfg), refreshErr)
	})

	t.Run("insecure BaseURL message", insecureBaseURLMessage)
	t.Run("nil Config", nilConfig)
	t.Run("loopback http is allowed, https anywhere", loopbackHTTP)
}

// TestEchoedCredentialsScrubbed: a server that answers invalid_grant
// quoting the refresh token and the credentials it got (JSON body, Basic
// header) gives an error with each replaced by [redacted].
func TestEchoedCredentialsScrubbed(t *testing.T) {
	const rt = "rt-5f0c9b1e7a2d4c68"
	for _, style := range []auth.AuthStyle{auth.InHeader, auth.InBody} {
		t.Run(style.String(), func(t *testing.T) {
			provider.EchoedCredentialsScrubbed(t, providertest.Echo[map[string]any, *moov.Config]{
				Edit: func(c *moov.Config) { c.AuthStyle = style },
				Fetch: func(c *moov.Config) error {
					_, err := c.Refresh(context.Background(), rt)
					return err
				},
				Status: 400, Kind: auth.ErrInvalidGrant, Secrets: []string{rt},
				Answer: func(got providertest.Request[map[string]any]) (string, map[string]string) {
					return rt + ":" + got.Authorization, map[string]string{"error": "invalid_grant",
						"error_description": "refresh token " + rt + " is spent; you sent " + got.Raw + " with " + got.Authorization}
				},
				InDescription: "refresh token [redacted] is spent",
			})
		})
	}
}

// TestErrorMessageAfterRetries: after its retries, an error names the
// provider once and says how many attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	t.Parallel() // its own server and client id
	providertest.ErrorMessageAfterRetries(t, "moov", provider.NewServer, provider.Config)
}
