// Package moov gets OAuth2 access tokens from Moov (https://moov.io) and
// gives you an *http.Client that sends them.
//
// # Quick start
//
//	cfg := &moov.Config{
//		ClientID:     os.Getenv("MOOV_CLIENT_ID"),
//		ClientSecret: auth.Secret(os.Getenv("MOOV_CLIENT_SECRET")),
//		Scopes:       []string{"/accounts.read", "/accounts.write"},
//	}
//	client := cfg.Client()                 // cached, self-renewing; share it
//	resp, err := client.Get("https://api.moov.io/accounts")
//
// Config.Token makes one token request; Config.TokenSource gives a cached
// auth.Source (an oauth2.TokenSource); Config.Client wraps it in an
// *http.Client; Config.Refresh renews a token with the refresh_token grant.
//
// # The endpoint
//
//	POST https://api.moov.io/oauth2/token
//	Content-Type: application/json
//	Authorization: Basic base64(client_id:client_secret)
//
//	{"grant_type":"client_credentials","scope":"/accounts.read /accounts.write"}
//
// Moov accepts a JSON or a form body and answers in the same type; this
// package sends JSON. Scopes are sent space-separated, in the order given;
// with no Scopes the scope field is left out and Moov grants what the API
// key allows. The client credentials go in a Basic Authorization header
// (AuthStyle auth.InHeader, the default), id and secret exactly as given
// (not form-encoded first), or as client_id and client_secret in the body
// (auth.InBody). The refresh_token grant sends
// {"grant_type":"refresh_token","refresh_token":"…"} with the same
// credentials and no scope.
//
// A success is HTTP 200 (any 2xx with an access_token is accepted). Moov's
// documentation page shows
//
//	{"access_token":"i1qx…","expires_in":900,"refresh_token":"i1qx…",
//	 "scope":"/accounts.write","token_type":"opaque"}
//
// and Moov's OpenAPI document (github.com/moovfinancial/moov-api-public,
// latest/openapi.yaml, operation createAccessToken)
//
//	{"access_token":"eyJh…","expires_in":1736964352,"refresh_token":"eyJh…",
//	 "scope":"/accounts.read /accounts.write","token_type":"Bearer"}
//
// with an x-request-id header on every answer. Both are read the same way.
//
// Config.APIVersion, when set, is sent as the x-moov-version header
// ("v2024.01.00", "latest"); Moov answers as v2024.01.00 without it.
//
// # Quirks handled for you
//
//   - token_type is "Bearer" in Moov's OpenAPI document but "opaque" or "jwt"
//     in its documentation page (and in its answers until 2025), yet Moov's
//     API always wants "Authorization: Bearer". Every token this package
//     returns has TokenType "Bearer", so golang.org/x/oauth2 and
//     auth.Transport send Bearer; the raw value stays readable as
//     tok.Extra("token_type").
//   - expires_in is a number of seconds in the documentation page and the
//     Unix time of expiry in the OpenAPI document. It is read as a number or
//     a numeric string; a value above 1577836800 (2020-01-01) is an absolute
//     Unix time, anything else seconds. Absent or 0: DefaultLifetime (15
//     minutes). Negative, non-numeric, overflowing or already past:
//     auth.ErrMalformedResponse.
//   - A 422 carries no OAuth2 error code: its body is keyed by the fields
//     that failed validation ({"scope": "…"}). It is auth.ErrInvalidRequest,
//     with a Description naming each field in name order:
//     "fields failed validation: scope: …".
//   - TokenSource renews with the refresh_token grant when the token it
//     replaces carried a refresh token, and falls back to client_credentials
//     when that fails (a spent or revoked refresh token costs one extra
//     request, never an error). A refresh answer without a refresh_token
//     keeps the old one.
//   - 429 answers carry Retry-After (seconds or an HTTP-date; Moov's older
//     documents use X-Retry-In in milliseconds): retries wait exactly that
//     long (auth.RetryPolicy.MaxRetryAfter caps it).
//   - Token requests never follow redirects: a 3xx is an *auth.Error, so the
//     credentials never travel to a host you did not configure.
//
// # Errors
//
// An answer that is not a token is an *auth.Error carrying StatusCode, Code
// (Moov's "error" field), Description, RetryAfter, RequestID (the
// x-request-id header) and up to 4 KiB of the raw body, so even an HTML
// gateway page keeps its status. Match its kind with errors.Is:
//
//	400 {"error":"invalid_request"}   auth.ErrInvalidRequest
//	422 {"scope":"…"}                 auth.ErrInvalidRequest
//	401 / invalid_client              auth.ErrInvalidClient
//	invalid_grant                     auth.ErrInvalidGrant
//	429 (+ Retry-After)               auth.ErrRateLimited   (retried)
//	5xx                               auth.ErrServer        (retried)
//	2xx without an access_token       auth.ErrMalformedResponse
//
// A Config that cannot work fails on first use with an *auth.ConfigError
// naming the field: an empty ClientID or ClientSecret, a scope with a space
// inside one element, an APIVersion not in the form vYYYY.QQ.BB or latest
// ("moov: Config.APIVersion: …"), a BaseURL that is not https
// ("moov: Config.BaseURL: … insecure URL …", errors.Is(err,
// auth.ErrInsecureURL); plain http is allowed to loopback hosts only).
//
// # Caching, retries and stores
//
// The policy of TokenSource and Client fetches is set with
// auth.WithRetry; Token and Refresh use the default auth.RetryPolicy. Pass
// auth.WithStore(store, "") to share tokens between Sources (in one process
// with new(auth.MemoryStore), across a fleet with auth/redisstore); the key is
// auth.StoreKey("moov", ClientID, Scopes...), never the secret.
//
// A Config prints (%v, %+v, %#v), marshals to JSON and logs through slog
// with its secret shown as [redacted].
package moov
