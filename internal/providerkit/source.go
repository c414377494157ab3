package providerkit

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/authhook"
)

// The Source options only provider packages set, lent by auth (see
// package authhook for why they are not auth's exported names).
var (
	withDefaultStoreKey = authhook.WithDefaultStoreKey.(func(string) auth.Option)
	withInitialToken    = authhook.WithInitialToken.(func(*oauth2.Token) auth.Option)
)

// ConfigSource is a provider Config's TokenSource: a Source of provider
// (auth.WithProvider) over fetch whose Store key, for auth.WithStore(store,
// ""), is defaultKey (built with auth.StoreKey); opts follow, so the user's
// options win. When the Config
// was bad (configErr != nil) every fetch fails with configErr instead, so
// the error naming the field comes on first use, as from Config.Token.
func ConfigSource(provider string, configErr error, fetch auth.Fetcher, defaultKey string, opts []auth.Option) *auth.Source {
	if configErr != nil {
		fetch = func(context.Context) (*oauth2.Token, error) { return nil, configErr }
	}
	return auth.NewSource(fetch, append([]auth.Option{auth.WithProvider(provider), withDefaultStoreKey(defaultKey)}, opts...)...)
}

// WithInitialToken seeds the Source with tok, served (and refreshed ahead
// of expiry, through the Fetcher) like a fetched one. A tok with a zero
// Expiry never expires. MobiFinance's TokenSource(tok) uses it with a
// Fetcher that fails with "a new authorization code is needed". tok is not
// modified; do not modify it afterwards. A nil tok or one without an
// access token is ignored.
func WithInitialToken(tok *oauth2.Token) auth.Option { return withInitialToken(tok) }

// PrefixError makes err's message start with "<provider>: ", wrapping it
// (%w) unless it already does; nil stays nil. Provider packages pass the
// result of auth.Retry and auth.RetryUnsent through it. Errors that come
// from Endpoint.Send already name their provider, after several attempts
// too ("moov: token request failed after 3 attempts: HTTP 502 Bad
// Gateway"), and are returned as they are; PrefixError names the provider
// in any other.
func PrefixError(provider string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), provider+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", provider, err)
}

// NeverSent reports whether a failed token request's error shows that the
// request never left this machine: its dial or DNS lookup failed (what
// auth.RetryUnsent retries, a name that does not exist included). A
// provider whose grant is single-use (MobiFinance's code) tells its caller
// from it whether the grant may be sent again.
func NeverSent(err error) bool { return authhook.NeverSent(err) }
