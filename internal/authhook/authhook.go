// Package authhook is how package auth lends a few of its internals to
// internal/providerkit, the toolkit of the provider packages, without
// making them part of auth's public API.
//
// providerkit imports auth (it builds Sources, returns *auth.Error and
// *auth.ConfigError), so auth cannot import providerkit. What providerkit
// needs that only auth can do — read a token response into an *auth.Error
// whose kind and scrubbing live in auth's unexported fields, wrap a failed
// request so that auth's retry summary names the provider once, set
// unexported Source options — auth publishes here, in its init, as function
// values. Both packages import this one; it imports neither. Package
// initialisation order (a package's imports first) guarantees the values
// are set before providerkit, or anything importing it, runs.
//
// The same pattern serves google.golang.org/grpc (its internal package's
// function variables, set by grpc in init).
package authhook

import (
	"context"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Limits shared by auth and the provider kit.
const (
	// MaxResponseBody is the most a token endpoint's answer may hold.
	MaxResponseBody = 1 << 20
	// MaxErrorBody is how much of a response body an auth.Error keeps.
	MaxErrorBody = 4 << 10
	// MinSensitiveLen is the shortest credential scrubbed from errors.
	MinSensitiveLen = 4
)

// Endpoint describes how one provider's token endpoint answers (see
// providerkit.Endpoint, which converts to it).
type Endpoint struct {
	Provider        string
	DefaultLifetime time.Duration
	DecodeError     func(status int, body []byte) (code, description, uri string, ok bool)
}

// Set by package auth in its init.
var (
	// ReadResponse is auth's reading of a token endpoint's answer.
	ReadResponse func(ep Endpoint, resp *http.Response, sensitive []string) (*oauth2.Token, error)
	// Send is auth's one token request: send, then ReadResponse, with a
	// failure wrapped so that it names the provider.
	Send func(ep Endpoint, ctx context.Context, send func(context.Context) (*http.Response, error), sensitive []string) (*oauth2.Token, error)
	// DefaultHTTPClient returns a new client with bounded timeouts that
	// never follows redirects.
	DefaultHTTPClient func() *http.Client

	// WithDefaultStoreKey is a func(key string) auth.Option (this package
	// cannot name auth's types): the key WithStore(store, "") uses.
	WithDefaultStoreKey any
	// WithInitialToken is a func(tok *oauth2.Token) auth.Option: the Source
	// starts with tok, served and renewed like a fetched one.
	WithInitialToken any
	// NeverSent reports whether a failed request's error shows that the
	// request never left this machine (its dial or DNS lookup failed).
	NeverSent func(err error) bool
)
