package mobifinance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	genmobifinance "github.com/paytoken/paytoken/gen/mobifinance"
	"github.com/paytoken/paytoken/internal/providerkit"
)

// DefaultBaseURL is the host MonPay's public mini-app documentation shows
// for its wallet API; MobiFinance's own token document gives only the path
// (POST /v2/oauth/token). Set Config.BaseURL if MobiFinance gave you another.
const DefaultBaseURL = "https://z-wallet.monpay.mn"

const provider = "mobifinance"

// endpoint reads MobiFinance's answers. Its error body is the generic
// OAuth2 shape ({"error": "invalid_grant"}), read without help; tokens
// have no expiry unless the answer carries an expires_in (documented as
// permanent: DefaultLifetime 0).
var endpoint = providerkit.Endpoint{Provider: provider}

// ErrReauthorize says a new authorization code is needed. It is the error
// of a TokenSource (and of a Client's requests) that has no usable token:
// the one it had expired or was rejected by the API, or it never had one.
// MobiFinance documents no refresh grant, so only a new authorization code,
// exchanged with Config.Exchange, gives a new token. Every Exchange failure
// but those matching ErrCodeNotSent matches it too: the request may have
// reached MobiFinance, so the code is to be treated as spent. Match it with
// errors.Is. It is final: never retried.
var ErrReauthorize = errors.New("a new authorization code is needed (MobiFinance documents no refresh grant): send the user through MonPay's authorization again and Exchange the code")

// ErrCodeNotSent is matched by an Exchange failure that happened before the
// request could have reached MobiFinance: a bad Config, a context already
// done, a failed dial or DNS lookup on every attempt. The code was not
// used: the same code may be exchanged again. Every other Exchange failure
// matches ErrReauthorize instead. Match it with errors.Is.
var ErrCodeNotSent = errors.New("the authorization code was not sent (the request never reached MobiFinance): the same code may be exchanged again")

// Config describes a MonPay mini app registered with MobiFinance. ClientID,
// ClientSecret and RedirectURL are required. A bad field is reported, by
// name, on first use. A Config prints and marshals without its secret.
type Config struct {
	// ClientID is the client id MobiFinance gave you.
	ClientID string
	// ClientSecret is the client secret MobiFinance gave you. It prints as
	// [redacted].
	ClientSecret auth.Secret
	// RedirectURL is your application's registered URL, sent as
	// redirect_uri; it must match the registered scheme and domain.
	RedirectURL string
	// BaseURL is the API's root; empty means DefaultBaseURL. It must be
	// https (plain http is accepted only for loopback hosts, for tests).
	BaseURL string
	// HTTPClient sends the token requests (never following redirects,
	// whatever its CheckRedirect says) and is the base of Client. nil means
	// one with bounded timeouts (30 s per request, 10 s to connect).
	HTTPClient *http.Client
}

// Exchange trades an authorization code for a token: one form POST with
// redirect_uri, client_id, client_secret, code and
// grant_type=authorization_code.
//
// A code is single-use, so Exchange never sends it twice: it retries (under
// the default auth.RetryPolicy) only when the request provably never left this
// machine (a failed dial or DNS lookup). After anything else — a timeout, a
// reset connection, a 429, a 5xx (MobiFinance's 505 included) — it returns
// the error, and the user has to authorize again.
//
// Every failure says which: it matches ErrCodeNotSent when no request can
// have reached MobiFinance (the same code may be exchanged again), and
// ErrReauthorize otherwise (treat the code as spent).
//
// Exchange does not keep the token anywhere: hand it to TokenSource or
// Client, and save it (see Config.UserKey) if it has to outlive the process.
func (c *Config) Exchange(ctx context.Context, code string) (*oauth2.Token, error) {
	p, err := c.prepare(code)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrCodeNotSent)
	}
	if code == "" {
		return nil, fmt.Errorf("mobifinance: Exchange: empty authorization code: %w", ErrCodeNotSent)
	}
	if ctx != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("mobifinance: Exchange: the context is done: %w: %w", context.Cause(ctx), ErrCodeNotSent)
	}
	// A server that echoes the secret or the code must not put them in our
	// errors: Send scrubs both.
	sensitive := append(slices.Clip(p.Sensitive), code)
	sent := false // some attempt may have reached MobiFinance
	tok, err := auth.RetryUnsent(ctx, auth.RetryPolicy{}, func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := endpoint.Send(ctx, func(ctx context.Context) (*http.Response, error) {
			return p.Client.CreateTokenWithFormdataBody(ctx, p.Request)
		}, sensitive...)
		if err == nil || !providerkit.NeverSent(err) {
			sent = true
		}
		return tok, err
	})
	if err == nil {
		return tok, nil
	}
	if sent {
		return nil, fmt.Errorf("%w: %w", providerkit.PrefixError(provider, err), ErrReauthorize)
	}
	return nil, fmt.Errorf("%w: %w", providerkit.PrefixError(provider, err), ErrCodeNotSent)
}

// TokenSource returns a source that serves tok (a token from Exchange, or
// one you stored) for as long as it is valid: forever when it has no
// Expiry, as MobiFinance documents its tokens. tok may be nil when opts
// include a Store that holds the token.
//
// There is no refresh grant: once the token has expired or was dropped
// (auth.Transport drops it when the API answers 401), Token fails with an
// error matching ErrReauthorize, unless the Store (auth.WithStore) holds a
// newer, valid token under the source's key, which is then served.
//
// Tokens belong to users, so there is no default Store key: pass
// auth.WithStore(store, c.UserKey(userID)). A restart then serves the saved
// token:
//
//	tok, err := cfg.Exchange(ctx, code)
//	err = store.Save(ctx, cfg.UserKey(userID), tok) // the source does not save tok itself
//	…
//	src := cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey(userID)))
func (c *Config) TokenSource(tok *oauth2.Token, opts ...auth.Option) *auth.Source {
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		switch prev := auth.PreviousToken(ctx); {
		case prev == nil:
			return nil, fmt.Errorf("mobifinance: no token (none given to TokenSource, none in its Store): %w", ErrReauthorize)
		case !prev.Valid():
			return nil, fmt.Errorf("mobifinance: the access token has expired: %w", ErrReauthorize)
		default:
			return nil, fmt.Errorf("mobifinance: the access token is no longer usable (rejected by the API, or about to expire): %w", ErrReauthorize)
		}
	}
	return auth.NewSource(fetch, append([]auth.Option{auth.WithProvider(provider), providerkit.WithInitialToken(tok)}, opts...)...)
}

// Client returns an *http.Client for the MonPay API whose requests carry
// "Authorization: Bearer <token>" from TokenSource(tok, opts...). It is a
// copy of HTTPClient (or of a client with bounded timeouts) with its
// transport wrapped by auth.Transport. When the API answers 401 the token is
// dropped and that 401 is returned; later requests fail with an error
// matching ErrReauthorize until the user authorizes again.
func (c *Config) Client(tok *oauth2.Token, opts ...auth.Option) *http.Client {
	return auth.NewClient(c.TokenSource(tok, opts...), providerkit.OrZero(c).HTTPClient)
}

// UserKey is the Store key for userID's token, for
// auth.WithStore(store, cfg.UserKey(userID)): it names the provider, the
// client id and the user (escaped), never a secret, so that the tokens of
// different users and different apps never share a key.
func (c *Config) UserKey(userID string) string {
	return auth.StoreKey(provider, providerkit.OrZero(c).ClientID) + "user=" + url.QueryEscape(userID)
}

// prepared is a checked Config, ready to send requests; its Request is the
// form body of an Exchange of one code.
type prepared providerkit.Prepared[*genmobifinance.Client, genmobifinance.RequestEditorFn, genmobifinance.TokenRequest]

// prepare checks c (nil is the zero Config) for the Exchange of code.
func (c *Config) prepare(code string) (*prepared, error) {
	cfg := providerkit.OrZero(c)
	cr := providerkit.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, AuthStyle: auth.InBody}
	p, err := providerkit.Prepare[*genmobifinance.Client, genmobifinance.RequestEditorFn](provider, DefaultBaseURL, cr, genmobifinance.NewClient, genmobifinance.WithHTTPClient,
		func(id, secret, _ *string) genmobifinance.TokenRequest {
			return genmobifinance.TokenRequest{GrantType: genmobifinance.TokenRequestGrantTypeAuthorizationCode, ClientID: *id, ClientSecret: *secret, RedirectURI: cfg.RedirectURL, Code: code}
		}, checkRedirectURL(cfg.RedirectURL))
	return (*prepared)(p), err
}

// checkRedirectURL accepts an absolute URL (MobiFinance matches it against
// the registered scheme and domain).
func checkRedirectURL(raw string) error {
	var err error
	if raw == "" {
		err = errors.New("empty (MobiFinance requires redirect_uri: your application's registered URL)")
	} else if u, perr := url.Parse(raw); perr != nil {
		err = fmt.Errorf("invalid URL: %w", perr)
	} else if !u.IsAbs() || u.Host == "" && u.Opaque == "" {
		err = fmt.Errorf("%q is not an absolute URL", raw)
	}
	if err != nil {
		return &auth.ConfigError{Provider: provider, Field: "RedirectURL", Err: err}
	}
	return nil
}
