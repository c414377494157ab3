package moneykit_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneykit"
)

// The shared suite (providertest.Provider) with MoneyKit's cases.

// TestTokenRequest: the exact request MoneyKit receives.
func TestTokenRequest(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	body := func(inBody bool, scope ...string) func(id string) url.Values {
		return func(id string) url.Values {
			v := url.Values{"grant_type": {"client_credentials"}}
			if inBody {
				v["client_id"], v["client_secret"] = []string{id}, []string{providertest.TestSecret}
			}
			if scope != nil {
				v["scope"] = scope
			}
			return v
		}
	}
	provider.TokenRequest(t, []providertest.RequestCase[url.Values, *moneykit.Config]{
		{
			Name: "Basic header (default), scopes space-joined", Path: "/auth/token", Basic: true, ContentType: form,
			Want: body(false, "accounts:read transactions:read"), Check: noEmptyScope,
		},
		{
			Name: "body credentials", Edit: func(_ *server, c *moneykit.Config) { c.AuthStyle = auth.InBody }, Path: "/auth/token", ContentType: form,
			Want: body(true, "accounts:read transactions:read"), Check: noEmptyScope,
		},
		{
			Name: "no scopes: no scope field at all (not scope=)", Edit: func(_ *server, c *moneykit.Config) { c.Scopes = nil }, Path: "/auth/token", Basic: true, ContentType: form,
			Want: body(false), Check: noEmptyScope,
		},
		{
			Name: "body credentials, empty scopes", Edit: func(_ *server, c *moneykit.Config) { c.Scopes, c.AuthStyle = []string{}, auth.InBody }, Path: "/auth/token", ContentType: form,
			Want: body(true), Check: noEmptyScope,
		},
	})
}

// TestBasicHeaderDecodes: the secret arrives whole through the header.
func TestBasicHeaderDecodes(t *testing.T) {
	provider.BasicHeaderDecodes(t, providertest.Always(201, okBody), providertest.TestSecret)
}

// TestTokenAnswers: MoneyKit's 201 and the forms expires_in takes.
func TestTokenAnswers(t *testing.T) {
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "documented 201", Status: 201, Body: okBody, Expiry: time.Hour},
		{Name: "200 works too", Status: 200, Body: okBody, Expiry: time.Hour},
		{Name: "expires_in as a numeric string", Status: 201, Body: `{"access_token":"a","token_type":"bearer","expires_in":"1800"}`, Expiry: 30 * time.Minute},
		{Name: "expires_in as a Unix time", Status: 201, Body: `{"access_token":"a","token_type":"bearer","expires_in":` + providertest.UnixIn(3*time.Hour) + `}`, Expiry: 3 * time.Hour},
		{Name: "expires_in absent: 1 hour", Status: 201, Body: `{"access_token":"a","token_type":"bearer"}`, Expiry: time.Hour},
		{
			Name:   "201 with a Content-Type the generated client would not parse",
			Status: 201, CType: "text/plain", Body: okBody, Expiry: time.Hour, Access: "52ea3d1b4a7f4f9a53fffb67",
		},
	})
	t.Run("documented fields", provider.DocumentedFields(providertest.Documented{Access: "52ea3d1b4a7f4f9a53fffb67", ExpiresIn: 3600, Extra: map[string]string{"token_type": "bearer"}}))
}

// TestTokenErrors: MoneyKit's error body mapped onto auth.Error, and what
// is kept of answers that are not in that shape.
func TestTokenErrors(t *testing.T) {
	const doc = "https://docs.moneykit.com/errors#unauthorized"
	// One attempt: the outcome of each answer, not the retries.
	provider.TokenErrors(t, providertest.OneAttempt, []providertest.ErrorCase{
		{
			Name: "400 documented", Status: 400, CType: "application/json",
			Body: `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"` + doc + `"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Accounts access not permitted", URI: doc, Attempts: 1,
		},
		{
			Name: "401 documented", Status: 401, CType: "application/json",
			Body: `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"` + doc + `"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Accounts access not permitted", URI: doc, Attempts: 1,
		},
		{
			// MoneyKit's OpenAPI document requires only error_message; an absent
			// error_code is its documented default, api_error.auth.unauthorized.
			Name: "400 with only error_message", Status: 400, CType: "application/json",
			Body: `{"error_message":"Invalid grant_type"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Invalid grant_type", Attempts: 1,
		},
		{
			Name: "401 with only error_message", Status: 401, CType: "application/json",
			Body: `{"error_message":"Accounts access not permitted"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Accounts access not permitted", Attempts: 1,
		},
		{
			Name: "503 with only error_message: no default code, a server error", Status: 503, CType: "application/json",
			Body: `{"error_message":"maintenance"}`,
			Kind: auth.ErrServer, Code: "", Desc: "maintenance", Attempts: 1,
		},
		{
			Name: "401 expired access token", Status: 401, CType: "application/json",
			Body: `{"error_code":"api_error.auth.expired_access_token","error_message":"Access token expired"}`,
			Kind: auth.ErrInvalidGrant, Code: "api_error.auth.expired_access_token", Desc: "Access token expired", Attempts: 1,
		},
		{
			Name: "429 rate limit exceeded", Status: 429, Header: map[string]string{"Retry-After": "90"}, CType: "application/json",
			Body: `{"error_code":"api_error.rate_limit_exceeded","error_message":"Slow down"}`,
			Kind: auth.ErrRateLimited, Code: "api_error.rate_limit_exceeded", Desc: "Slow down", RetryAfter: 90 * time.Second, Attempts: 1,
		},
		{
			Name: "400 in the generic OAuth2 shape", Status: 400, CType: "application/json",
			Body: `{"error":"unsupported_grant_type"}`, Kind: auth.ErrUnsupportedGrantType, Code: "unsupported_grant_type", Attempts: 1,
		},
		{
			Name: "502 HTML gateway page", Status: 502, CType: "text/html",
			Body: `<html><head><title>502 Bad Gateway</title></head></html>`, Kind: auth.ErrServer, Attempts: 1,
		},
		{
			Name: "201 without access_token", Status: 201, CType: "application/json",
			Body: `{"token_type":"bearer","expires_in":3600}`, Kind: auth.ErrMalformedResponse, Attempts: 1,
		},
		{
			Name: "201 with an empty access_token", Status: 201, CType: "application/json",
			Body: `{"access_token":"","token_type":"bearer","expires_in":3600}`, Kind: auth.ErrMalformedResponse, Attempts: 1,
		},
	})
}

// TestRetries: Token retries what can pass (429 after its Retry-After, 5xx)
// and nothing else.
func TestRetries(t *testing.T) {
	// How long a retry waits is auth's business, tested there on a fake
	// clock; here, that the server's wait reaches the Error and is waited.
	provider.RetryAfters(t, []providertest.RetryAfterCase{{
		Name: "429 with an HTTP-date Retry-After",
		Header: func() (string, string) {
			return "Retry-After", time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		},
		Body: `{"error_code":"api_error.rate_limit_exceeded","error_message":"Slow down"}`,
		Min:  time.Nanosecond, Max: 2 * time.Second, // an HTTP-date has whole seconds
	}})
	// The code, not the status, says rate limited: a 400 carrying
	// api_error.rate_limit_exceeded is retried after its X-Retry-In like a 429.
	for _, tc := range []struct {
		name   string
		status int
	}{
		{"429 with X-Retry-In 50, then 201", 429},
		{"api_error.rate_limit_exceeded with a 400, then 201", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			provider.WaitedThenOK(t, tc.status, `{"error_code":"api_error.rate_limit_exceeded","error_message":"Slow down"}`, "52ea3d1b4a7f4f9a53fffb67")
		})
	}
	provider.TokenErrors(t, providertest.DefaultPolicy, []providertest.ErrorCase{
		{Name: "503 three times", Status: 503, CType: "application/json", Body: `upstream down`, Kind: auth.ErrServer, Attempts: 3},
		{
			Name: "401 once", Status: 401, CType: "application/json", Body: `{"error_code":"api_error.auth.unauthorized","error_message":"no"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "no",
		},
	})
}

// TestRedirectNotFollowed: a 3xx is an error; the credentials never reach
// the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/auth/token", 308)
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	providertest.ConfigErrors(t, provider.NewServer, provider.Config, created(okBody), []providertest.ConfigCase[*moneykit.Config]{
		{Name: "empty ClientID", Edit: func(c *moneykit.Config) { c.ClientID = "" }, Field: "moneykit: Config.ClientID: empty"},
		{Name: "empty ClientSecret", Edit: func(c *moneykit.Config) { c.ClientSecret = "" }, Field: "moneykit: Config.ClientSecret: empty"},
		{Name: "scope with a space inside", Edit: func(c *moneykit.Config) { c.Scopes = []string{"accounts:read transactions:read"} }, Field: "moneykit: Config.Scopes[0]:"},
		{Name: "scope with a control character", Edit: func(c *moneykit.Config) { c.Scopes = []string{"a", "b\n"} }, Field: "moneykit: Config.Scopes[1]:"},
		{Name: "insecure BaseURL", Edit: func(c *moneykit.Config) { c.BaseURL = "http://api.moneykit.com" }, Field: "moneykit: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "BaseURL with a query", Edit: func(c *moneykit.Config) { c.BaseURL = "https://api.moneykit.com?x=1" }, Field: "moneykit: Config.BaseURL:"},
		{Name: "ftp BaseURL", Edit: func(c *moneykit.Config) { c.BaseURL = "ftp://api.moneykit.com" }, Field: "moneykit: Config.BaseURL:"},
		{Name: "unknown AuthStyle", Edit: func(c *moneykit.Config) { c.AuthStyle = -1 }, Field: "moneykit: Config.AuthStyle:"},
	})
	t.Run("all problems at once", allProblems)
}

// TestEchoedCredentialsScrubbed: a server that answers an error quoting the
// request it got (the form body with the form-encoded secret, or the Basic
// header) in its message, its X-Request-Id and its documentation_url gives
// an error with every form of the secret replaced by [redacted].
func TestEchoedCredentialsScrubbed(t *testing.T) {
	for _, style := range []auth.AuthStyle{auth.InHeader, auth.InBody} {
		t.Run(style.String(), func(t *testing.T) {
			provider.EchoedCredentialsScrubbed(t, providertest.Echo[url.Values, *moneykit.Config]{
				Edit:   func(c *moneykit.Config) { c.AuthStyle = style },
				Status: 401, Kind: auth.ErrInvalidClient,
				Answer: func(got providertest.Request[url.Values]) (string, map[string]string) {
					return providertest.TestSecret + " " + got.Authorization, map[string]string{"error_code": "api_error.auth.unauthorized",
						"error_message":     "you sent " + got.Raw + " with " + got.Authorization,
						"documentation_url": "https://docs.example/?s=" + url.QueryEscape(providertest.TestSecret)}
				},
				InURI: "s=[redacted]",
			})
		})
	}
}

// TestErrorMessageAfterRetries: after its retries, an error names the
// provider once and says how many attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	t.Parallel() // its own server and client id
	providertest.ErrorMessageAfterRetries(t, "moneykit", provider.NewServer, provider.Config)
}

// noEmptyScope checks that a MoneyKit token request has no empty scope
// field (no "scope=").
func noEmptyScope(t *testing.T, r providertest.Request[url.Values]) {
	assert.NotContains(t, r.Raw, "scope=&")
	assert.False(t, strings.HasSuffix(r.Raw, "scope="), r.Raw)
}
