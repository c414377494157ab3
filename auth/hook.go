package auth

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/internal/authhook"
)

// The provider kit (internal/providerkit) builds on auth, so auth cannot
// import it; what it needs of auth's internals auth lends it through
// internal/authhook, set here before any importer of auth runs.
func init() {
	authhook.ReadResponse = func(ep authhook.Endpoint, resp *http.Response, sensitive []string) (*oauth2.Token, error) {
		return endpoint(ep).ReadResponse(resp, sensitive...)
	}
	authhook.Send = func(ep authhook.Endpoint, ctx context.Context, send func(context.Context) (*http.Response, error), sensitive []string) (*oauth2.Token, error) {
		return endpoint(ep).Send(ctx, send, sensitive...)
	}
	authhook.DefaultHTTPClient = defaultHTTPClient
	authhook.WithDefaultStoreKey = withDefaultStoreKey
	authhook.WithInitialToken = withInitialToken
	authhook.NeverSent = neverSent
}
