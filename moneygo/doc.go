// Package moneygo gets OAuth2 access tokens from Money-Go
// (https://money-go.com) and gives you an *http.Client that sends them.
//
// # Quick start
//
//	cfg := &moneygo.Config{
//		ClientID:     os.Getenv("MONEYGO_CLIENT_ID"),
//		ClientSecret: auth.Secret(os.Getenv("MONEYGO_CLIENT_SECRET")),
//		// BaseURL: moneygo.SandboxBaseURL, // for Money-Go's test environment
//	}
//	client := cfg.Client()                 // cached, self-renewing; share it
//	resp, err := client.Get("https://api.money-go.com/...")
//
// Config.Token makes one token request; Config.TokenSource gives a cached
// auth.Source (an oauth2.TokenSource); Config.Client wraps it in an
// *http.Client.
//
// # The endpoint
//
//	POST https://api.money-go.com/token          (sandbox: https://api.money-go-test.com/token)
//	Content-Type: application/json
//
//	{"grant_type":"client_credentials","client_id":"…","client_secret":"…","scope":"api"}
//
// The client credentials travel in the JSON body, the only way Money-Go
// documents; there is no Basic header. Scope is sent as given, "api" when
// empty. A success is HTTP 200 (any 2xx with an access_token is accepted):
//
//	{"token_type":"Bearer","expires_in":2592000,"access_token":"…"}
//
// # Quirks handled for you
//
//   - Tokens live 30 days. expires_in is read as a number or a numeric
//     string of seconds; a value above 1577836800 is an absolute Unix time.
//     Absent or 0: DefaultLifetime (30 days). Negative, non-numeric or
//     overflowing: auth.ErrMalformedResponse. A TokenSource renews a token
//     in the background 5 minutes before it expires.
//   - Every token this package returns has TokenType "Bearer", whatever the
//     case Money-Go used (the raw value is tok.Extra("token_type")).
//   - Token requests never follow redirects: a 3xx is an *auth.Error, so the
//     credentials never travel to a host you did not configure.
//
// # Errors
//
// Money-Go documents no error answers. Whatever comes back that is not a
// token is an *auth.Error that keeps StatusCode, RetryAfter, RequestID and
// up to 4 KiB of the raw body; a body in the generic OAuth2 shape
// ({"error":"invalid_client","error_description":"…"}) also fills Code and
// Description. Match its kind with errors.Is, by code when there is one,
// else by status:
//
//	400                            auth.ErrInvalidRequest
//	401 / invalid_client           auth.ErrInvalidClient
//	403 / invalid_grant            auth.ErrInvalidGrant
//	429                            auth.ErrRateLimited   (retried)
//	5xx                            auth.ErrServer        (retried)
//	2xx without an access_token    auth.ErrMalformedResponse
//
// A Config that cannot work fails on first use with an *auth.ConfigError
// naming the field: an empty ClientID or ClientSecret, a Scope with a
// leading, trailing or double space, a BaseURL that is not https
// ("moneygo: Config.BaseURL: … insecure URL …", errors.Is(err,
// auth.ErrInsecureURL); plain http is allowed to loopback hosts only).
//
// # Caching, retries and stores
//
// The policy of TokenSource and Client fetches is set with auth.WithRetry;
// Token uses the default auth.RetryPolicy. Pass auth.WithStore(store, "") to
// share tokens between Sources (in one process with new(auth.MemoryStore),
// across a fleet with auth/redisstore) and across restarts; the key is
// auth.StoreKey("moneygo", ClientID, scopes), never the secret. The key does
// not include the BaseURL: give sandbox and production Sources that share a
// store and a client id keys of their own (auth.WithStore(store, key)).
//
// A Config prints (%v, %+v, %#v), marshals to JSON and logs through slog
// with its secret shown as [redacted].
package moneygo
