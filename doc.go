// Package paytoken is the root of a Go SDK for the OAuth2 token endpoints of four payment
// APIs: Money-Go, MoneyKit, Moov and MobiFinance (MonPay mini apps).
//
// This package holds no code; it documents the SDK and carries the go:generate lines (see
// generate.go) that turn the hand-written OpenAPI documents in specs/ into the typed clients
// in gen/. Import the provider package you need instead:
//
//   - github.com/paytoken/paytoken/moneygo: client credentials, JSON body, scope "api".
//   - github.com/paytoken/paytoken/moneykit: client credentials, form body, Basic header or
//     body credentials; success is 201.
//   - github.com/paytoken/paytoken/moov: client credentials and refresh token grants, JSON or
//     form body, Basic header or body credentials; token_type is "opaque" or "jwt" but tokens
//     are always sent as Bearer.
//   - github.com/paytoken/paytoken/mobifinance: exchanges a single-use authorization code for
//     a token documented as permanent.
//
// Each provider package gives a Config with Token, TokenSource and Client, built on
// github.com/paytoken/paytoken/auth: a lock-free token cache that refreshes before expiry, one
// fetch shared by concurrent callers, retries that honour Retry-After, and typed errors that
// work with errors.Is. Tokens are golang.org/x/oauth2 values, so they fit code that already
// uses oauth2.TokenSource.
//
// The generated packages under gen/ (gen/moneygo, gen/moneykit, gen/moov, gen/mobifinance)
// are the raw wire layer: request and response types, an HTTP client, a std-http strict
// server interface and the embedded spec. They are regenerated with
//
//	go generate ./...
//
// and never edited by hand. github.com/paytoken/paytoken/mockserver serves all four endpoints
// offline for tests, and cmd/paytoken is a command-line tool; "go run ./cmd/paytoken demo"
// shows the whole flow without network or accounts.
package paytoken
