// Package moneykit gets OAuth2 access tokens from MoneyKit
// (https://moneykit.com) and gives you an *http.Client that sends them.
//
// # Quick start
//
//	cfg := &moneykit.Config{
//		ClientID:     os.Getenv("MONEYKIT_CLIENT_ID"),
//		ClientSecret: auth.Secret(os.Getenv("MONEYKIT_CLIENT_SECRET")),
//	}
//	client := cfg.Client()                 // cached, self-renewing; share it
//	resp, err := client.Get("https://api.moneykit.com/...")
//
// Config.Token makes one token request; Config.TokenSource gives a cached
// auth.Source (an oauth2.TokenSource); Config.Client wraps it in an
// *http.Client.
//
// # The endpoint
//
//	POST https://api.moneykit.com/auth/token
//	Content-Type: application/x-www-form-urlencoded
//	Authorization: Basic base64(client_id:client_secret)
//
//	grant_type=client_credentials&scope=accounts%3Aread+transactions%3Aread
//
// The client credentials go in a Basic Authorization header (AuthStyle
// auth.InHeader, the default), id and secret exactly as given (not
// form-encoded first), or as client_id and client_secret form fields
// (auth.InBody). Scopes are sent space-separated in the order given; with no
// Scopes the scope field is left out entirely (not sent empty) and MoneyKit
// grants everything your application may do.
//
// A success is HTTP 201 Created, not 200 (any 2xx with an access_token is
// accepted):
//
//	{"access_token":"52ea3d1b…4f9a53fffb67","token_type":"bearer","expires_in":3600}
//
// # Quirks handled for you
//
//   - The 201: generated clients that expect 200 (or whose typed JSON201 is
//     nil when the Content-Type differs) lose the token or the status. This
//     package reads the raw answer and keeps status and body whatever happens.
//   - token_type is "bearer" in lower case; every token this package returns
//     has TokenType "Bearer" (the raw value is tok.Extra("token_type")).
//   - expires_in is read as a number or a numeric string of seconds; a value
//     above 1577836800 is an absolute Unix time. Absent or 0: DefaultLifetime
//     (1 hour). Negative, non-numeric or overflowing: auth.ErrMalformedResponse.
//   - Empty optional form fields are never sent: no "scope=" when there are
//     no scopes, no "client_id=" with credentials in the header.
//   - Token requests never follow redirects: a 3xx is an *auth.Error, so the
//     credentials never travel to a host you did not configure.
//
// # Errors
//
// MoneyKit's error body,
//
//	{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted",
//	 "documentation_url":"https://docs.moneykit.com/…"}
//
// becomes an *auth.Error with Code = error_code, Description =
// error_message and URI = documentation_url, plus StatusCode, RetryAfter,
// RequestID and up to 4 KiB of the raw body (an HTML gateway page keeps its
// status too). MoneyKit's OpenAPI document (behind its official SDKs)
// requires only error_message: a 400 or 401 without an error_code gets the
// code that document gives as its default, api_error.auth.unauthorized.
// Match its kind with errors.Is:
//
//	api_error.auth.unauthorized (400 or 401)   auth.ErrInvalidClient
//	api_error.auth.expired_access_token        auth.ErrInvalidGrant
//	api_error.rate_limit_exceeded, 429         auth.ErrRateLimited   (429 retried)
//	other 400 / 401                            auth.ErrInvalidRequest / auth.ErrInvalidClient
//	5xx                                        auth.ErrServer        (retried)
//	2xx without an access_token                auth.ErrMalformedResponse
//
// A Config that cannot work fails on first use with an *auth.ConfigError
// naming the field: an empty ClientID or ClientSecret, a scope with a space
// inside one element, a BaseURL that is not https
// ("moneykit: Config.BaseURL: … insecure URL …", errors.Is(err,
// auth.ErrInsecureURL); plain http is allowed to loopback hosts only).
//
// # Caching, retries and stores
//
// The policy of TokenSource and Client fetches is set with auth.WithRetry;
// Token uses the default auth.RetryPolicy. Pass auth.WithStore(store, "") to
// share tokens between Sources (in one process with new(auth.MemoryStore),
// across a fleet with auth/redisstore); the key is
// auth.StoreKey("moneykit", ClientID, Scopes...), never the secret.
//
// A Config prints (%v, %+v, %#v), marshals to JSON and logs through slog
// with its secret shown as [redacted].
package moneykit
