package moneygo_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

// The shared suite (providertest.Provider) with Money-Go's cases.

// TestTokenRequest: the exact request Money-Go receives: its documented
// JSON body, credentials in it, no Authorization header.
func TestTokenRequest(t *testing.T) {
	body := func(scope string) func(id string) map[string]any {
		return func(id string) map[string]any {
			return map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": providertest.TestSecret, "scope": scope}
		}
	}
	provider.TokenRequest(t, []providertest.RequestCase[map[string]any, *moneygo.Config]{
		{Name: "default scope", Path: "/token", ContentType: "application/json", Want: body("api")},
		{Name: "scope as given", Edit: func(_ *server, c *moneygo.Config) { c.Scope = "api payouts" }, Path: "/token", ContentType: "application/json", Want: body("api payouts")},
	})
}

// TestTokenAnswers: the documented answer and the forms expires_in takes.
func TestTokenAnswers(t *testing.T) {
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "documented: 30 days", Body: okBody, Expiry: 30 * 24 * time.Hour},
		{Name: "expires_in as a numeric string", Body: `{"token_type":"Bearer","expires_in":"86400","access_token":"a"}`, Expiry: 24 * time.Hour},
		{Name: "expires_in as a Unix time", Body: `{"token_type":"Bearer","expires_in":` + providertest.UnixIn(48*time.Hour) + `,"access_token":"a"}`, Expiry: 48 * time.Hour},
		{Name: "expires_in absent: 30 days", Body: `{"token_type":"Bearer","access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
		{Name: "expires_in 0: 30 days", Body: `{"token_type":"Bearer","expires_in":0,"access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
		{Name: "lower-case bearer", Body: `{"token_type":"bearer","expires_in":2592000,"access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
		{Name: "no token_type", Body: `{"expires_in":2592000,"access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
	})
	t.Run("documented fields", provider.DocumentedFields(providertest.Documented{Access: "mgo_8f14e45fceea167a5a36", ExpiresIn: 2592000, Extra: map[string]string{"token_type": "Bearer"}}))
}

// TestTokenErrors: Money-Go documents no errors; status and body are kept
// whatever they are, and the generic OAuth2 shape is read when present.
func TestTokenErrors(t *testing.T) {
	id := map[string]string{"X-Request-Id": "req-77"}
	provider.TokenErrors(t, providertest.OneAttempt, []providertest.ErrorCase{
		{Name: "401 generic OAuth2 body", Status: 401, Header: id, CType: "application/json", Body: `{"error":"invalid_client","error_description":"Client authentication failed"}`, Kind: auth.ErrInvalidClient, Code: "invalid_client", Desc: "Client authentication failed"},
		{Name: "400 generic OAuth2 body", Status: 400, Header: id, CType: "application/json", Body: `{"error":"invalid_scope"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_scope"},
		{Name: "401 with an unknown body", Status: 401, Header: id, CType: "application/json", Body: `{"message":"Unauthenticated."}`, Kind: auth.ErrInvalidClient},
		{Name: "403 plain text", Status: 403, Header: id, CType: "text/plain", Body: `Forbidden`, Kind: auth.ErrInvalidGrant},
		{Name: "502 HTML gateway page", Status: 502, Header: id, CType: "text/html", Body: `<html><body>Bad Gateway</body></html>`, Kind: auth.ErrServer},
		{Name: "200 without access_token", Status: 200, Header: id, CType: "application/json", Body: `{"token_type":"Bearer","expires_in":2592000,"access_token":""}`, Kind: auth.ErrMalformedResponse},
		{Name: "200 that is not JSON", Status: 200, Header: id, CType: "text/html", Body: `<html>maintenance</html>`, Kind: auth.ErrMalformedResponse},
		{Name: "200 with token_type mac", Status: 200, Header: id, CType: "application/json", Body: `{"token_type":"mac","access_token":"a"}`, Kind: auth.ErrMalformedResponse},
	})
}

// TestRetries: Token retries a 5xx and a 429 (after its Retry-After), not
// a 4xx.
func TestRetries(t *testing.T) {
	t.Run("502 then 200", func(t *testing.T) {
		provider.ThenOK(t, providertest.Raw(502, nil, "<html>Bad Gateway</html>"), "mgo_8f14e45fceea167a5a36", 0)
	})
	// How long a retry waits is auth's business, tested there on a fake
	// clock; here, that the server's wait reaches the Error and is waited.
	provider.TokenErrors(t, providertest.OneAttempt, []providertest.ErrorCase{
		{Name: "429 Retry-After 1", Status: 429, Header: map[string]string{"Retry-After": "1"}, Kind: auth.ErrRateLimited, RetryAfter: time.Second},
	})
	t.Run("429 X-Retry-In 50, then 200", func(t *testing.T) {
		provider.WaitedThenOK(t, 429, ``, "mgo_8f14e45fceea167a5a36")
	})
	provider.TokenErrors(t, providertest.DefaultPolicy, []providertest.ErrorCase{
		{Name: "400 once", Status: 400, CType: "application/json", Body: `{"error":"invalid_request"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_request"},
	})
	t.Run("the caller's deadline bounds the retries", func(t *testing.T) {
		// A deadline the answer surely comes within, even on a loaded
		// machine, and that the asked-for wait would pass.
		provider.NotWaited(t, providertest.Raw(503, map[string]string{"Retry-After": "20"}, ""), 10*time.Second, auth.ErrServer)
	})
}

// TestRedirectNotFollowed: a 3xx is an error; the credentials never reach
// the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/token", 301)
}

// TestTokenSource: cached, and stored under the default key.
func TestTokenSource(t *testing.T) {
	providertest.TokenSourceStores(t, provider, provider.OK, func(id string) string { return auth.StoreKey("moneygo", id, "api") }, "mgo_8f14e45fceea167a5a36")
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	providertest.ConfigErrors(t, provider.NewServer, provider.Config, providertest.Always(200, okBody), []providertest.ConfigCase[*moneygo.Config]{
		{Name: "empty ClientID", Edit: func(c *moneygo.Config) { c.ClientID = "" }, Field: "moneygo: Config.ClientID: empty"},
		{Name: "empty ClientSecret", Edit: func(c *moneygo.Config) { c.ClientSecret = "" }, Field: "moneygo: Config.ClientSecret: empty"},
		{Name: "Scope with a trailing space", Edit: func(c *moneygo.Config) { c.Scope = "api " }, Field: "moneygo: Config.Scope:"},
		{Name: "Scope with a double space", Edit: func(c *moneygo.Config) { c.Scope = "api  payouts" }, Field: "moneygo: Config.Scope:"},
		{Name: "insecure BaseURL", Edit: func(c *moneygo.Config) { c.BaseURL = "http://api.money-go.com" }, Field: "moneygo: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "BaseURL not a URL", Edit: func(c *moneygo.Config) { c.BaseURL = "://x" }, Field: "moneygo: Config.BaseURL:"},
	})
}

// TestEchoedCredentialsScrubbed: a server that answers an error quoting the
// request it got (the secret in its JSON body) in its description, its
// X-Request-Id and its code gives an error with the secret replaced by
// [redacted], in the message and in every field of the *auth.Error.
func TestEchoedCredentialsScrubbed(t *testing.T) {
	provider.EchoedCredentialsScrubbed(t, providertest.Echo[map[string]any, *moneygo.Config]{
		Status: 401, Kind: auth.ErrInvalidClient,
		Answer: func(got providertest.Request[map[string]any]) (string, map[string]string) {
			return providertest.TestSecret, map[string]string{"error": "invalid_client", "error_description": "you sent " + got.Raw,
				"error_uri": "https://docs.example/?s=" + url.QueryEscape(providertest.TestSecret)}
		},
		RequestID: "[redacted]", InDescription: `"client_secret":"[redacted]"`,
	})
}

// TestErrorMessageAfterRetries: after its retries, an error names the
// provider once and says how many attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	t.Parallel() // its own server and client id
	providertest.ErrorMessageAfterRetries(t, "moneygo", provider.NewServer, provider.Config)
}
