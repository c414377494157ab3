// Package mobifinance exchanges MonPay mini-app authorization codes for
// MobiFinance access tokens, and gives you an *http.Client that sends them.
//
// # Quick start
//
// Your mini app receives an authorization code after the user logs in
// through MonPay. Exchange it once, keep the token, and call the API:
//
//	cfg := &mobifinance.Config{
//		ClientID:     os.Getenv("MOBIFINANCE_CLIENT_ID"),
//		ClientSecret: auth.Secret(os.Getenv("MOBIFINANCE_CLIENT_SECRET")),
//		RedirectURL:  "https://miniapp.example.mn/callback",
//	}
//	tok, err := cfg.Exchange(ctx, code)         // the code works once
//	client := cfg.Client(tok)                   // sends Authorization: Bearer …
//
// # The endpoint
//
//	POST https://z-wallet.monpay.mn/v2/oauth/token
//	Content-Type: application/x-www-form-urlencoded
//
//	redirect_uri=…&client_id=…&client_secret=…&code=…&grant_type=authorization_code
//
// MobiFinance's document gives the path only; DefaultBaseURL is the host
// MonPay's public mini-app documentation shows. Set Config.BaseURL when
// MobiFinance gives you another. All five fields are required and always
// sent; the client credentials travel in the body (there is no Basic header
// variant, and no probing of one).
//
// A success carries
//
//	{"access_token":"…","token_type":"Bearer","refresh_token":"…","expires_in":…}
//
// and MobiFinance documents the token as permanent ("for this patch
// access_token is permanent"): with no
// expires_in (or 0) the token has no Expiry and is served for ever. An
// expires_in that is there is honoured (a number or a numeric string of
// seconds, or an absolute Unix time above 1577836800). The refresh_token is
// kept in tok.RefreshToken, but no refresh grant is documented, so it is
// never used.
//
// # The single-use code
//
// A code represents the logged-in user in MonPay's backend and is spent by
// the first request that reaches the server. Exchange therefore never sends
// a code twice: it retries only failures where the request provably never
// left this machine (a failed dial or DNS lookup), never a timeout, a reset
// connection, a 429 or a 5xx, and never tries another credential style.
// Every Exchange failure says what became of the code: it matches
// ErrCodeNotSent when no request can have reached MobiFinance (a bad
// Config, a context already done, a failed dial or DNS lookup on every
// attempt), and the same code may be exchanged again; every other failure
// matches ErrReauthorize: treat the code as spent and send the user through
// authorization again.
//
//	tok, err := cfg.Exchange(ctx, code)
//	switch {
//	case errors.Is(err, mobifinance.ErrCodeNotSent):
//		// retry later with the same code
//	case errors.Is(err, mobifinance.ErrReauthorize):
//		// ask the user to authorize again
//	}
//
// Error messages never show the code in full.
//
// # Stored tokens and restarts
//
// TokenSource(tok) and Client(tok) serve a token you already have. Tokens
// belong to users, so keep them in an auth.Store under a key per user,
// Config.UserKey(userID), and a restart serves the saved token:
//
//	tok, err := cfg.Exchange(ctx, code)
//	if err == nil {
//		err = store.Save(ctx, cfg.UserKey(userID), tok)
//	}
//	…
//	// any process, any time later:
//	client := cfg.Client(nil, auth.WithStore(store, cfg.UserKey(userID)))
//
// With a nil tok the source serves what the Store holds under that key.
// There is no default key (one per client would hand one user's token to
// another), so auth.WithStore(store, "") does not use the store.
//
// # Expiry: a new authorization code
//
// No refresh grant is documented. When the token expires (if it had an
// expires_in), when the API answers 401 (auth.Transport then drops it), or
// when there is none, the source fails with an error matching
// ErrReauthorize, at once and without retrying: the user has to authorize
// again. A Client returns the API's 401 as it came and fails later requests
// with that error.
//
// # Errors
//
// An answer that is not a token is an *auth.Error carrying StatusCode, Code
// and Description (the generic OAuth2 {"error","error_description"} body),
// RetryAfter and up to 4 KiB of the raw body, so an HTML gateway page keeps
// its status. The documented answers match, with errors.Is:
//
//	400 invalid_request          auth.ErrInvalidRequest
//	401 unauthorized_client      auth.ErrInvalidClient
//	403 invalid_grant            auth.ErrInvalidGrant        (a spent or wrong code)
//	415 unsupported_grant_type   auth.ErrUnsupportedGrantType
//	505 server_error             auth.ErrServer              (not retried: the code may be spent)
//	2xx without an access_token  auth.ErrMalformedResponse
//
// A Config that cannot work fails on first use with an *auth.ConfigError
// naming the field: an empty ClientID, ClientSecret or RedirectURL, a
// RedirectURL that is not absolute, a BaseURL that is not https
// ("mobifinance: Config.BaseURL: … insecure URL …", errors.Is(err,
// auth.ErrInsecureURL); plain http is allowed to loopback hosts only).
// Token requests never follow redirects.
//
// A Config prints (%v, %+v, %#v), marshals to JSON and logs through slog
// with its secret shown as [redacted].
package mobifinance
