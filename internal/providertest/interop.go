package providertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// Interop checks that a provider's tokens work with golang.org/x/oauth2 as
// they are and through the provider's own Client, both sending
// "Authorization: Bearer <tok.AccessToken>" whatever token_type the
// provider said. tok is a token the provider package returned; client
// makes the Config's Client over hc (the API's loopback client).
func Interop(t *testing.T, tok *oauth2.Token, client func(hc *http.Client) *http.Client) {
	t.Helper()
	var auths []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		Reply(w, 200, `{}`)
	}))
	t.Cleanup(api.Close)

	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, api.Client())
	for _, c := range []*http.Client{oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok)), client(api.Client())} {
		resp, err := c.Get(api.URL + "/api")
		require.NoError(t, err)
		resp.Body.Close()
	}
	want := "Bearer " + tok.AccessToken
	assert.Equal(t, []string{want, want}, auths)
}

// TokenInterop checks that cfg's Token gives the access token want, and
// that the token passes Interop; client makes cfg's Client over hc.
func TokenInterop[C ClientCredentials](t *testing.T, cfg C, want string, client func(hc *http.Client) *http.Client) {
	t.Helper()
	tok, err := cfg.Token(context.Background())
	require.NoError(t, err)
	require.Equal(t, want, tok.AccessToken)
	Interop(t, tok, client)
}
