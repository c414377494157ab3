package providerkit

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBasicAuth(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://x/token", nil)
	require.NoError(t, BasicAuth("id/with+odd chars%", "sec:ret%+")(context.Background(), req))
	id, secret, ok := req.BasicAuth()
	require.True(t, ok)
	require.Equal(t, "id/with+odd chars%", id, "sent as given, not form-encoded")
	require.Equal(t, "sec:ret%+", secret)
	_ = id
}

// TokenHTTPClient and TokenClient refuse redirects and leave their argument
// alone; TokenClient(nil) is one default client shared by every provider.
func TestTokenClient(t *testing.T) {
	orig := &http.Client{}
	for _, c := range []*http.Client{TokenHTTPClient(orig), TokenClient(orig)} {
		require.NotSame(t, orig, c)
		require.NotNil(t, c.CheckRedirect)
		require.ErrorIs(t, c.CheckRedirect(nil, nil), http.ErrUseLastResponse)
	}
	require.Nil(t, orig.CheckRedirect, "the caller's client is not changed")
	require.NotNil(t, TokenHTTPClient(nil).CheckRedirect)
	require.NotNil(t, TokenClient(nil).CheckRedirect)
	require.Same(t, TokenClient(nil), TokenClient(nil), "one shared default client")
}
