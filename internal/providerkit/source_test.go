package providerkit_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

func TestConfigSource(t *testing.T) {
	bad := errors.New("p: Config.ClientID: empty")
	calls := 0
	fetch := func(context.Context) (*oauth2.Token, error) {
		calls++
		return &oauth2.Token{AccessToken: "tok-" + strconv.Itoa(calls), Expiry: time.Now().Add(time.Hour)}, nil
	}

	_, err := providerkit.ConfigSource("p", bad, fetch, "k", nil).Token()
	require.ErrorIs(t, err, bad)
	require.Zero(t, calls, "a bad Config must not reach the fetcher")

	store := new(auth.MemoryStore)
	tok, err := providerkit.ConfigSource("p", nil, fetch, "default-key", []auth.Option{auth.WithStore(store, "")}).Token()
	require.NoError(t, err)
	require.Equal(t, "tok-1", tok.AccessToken)
	// The Source saves a fetched token after handing it to its callers (they
	// never wait on the Store), so the save is waited for, not assumed.
	require.Equal(t, "tok-1", savedToken(t, store, "default-key"), "auth.WithStore(store, \"\") uses the default key")

	_, err = providerkit.ConfigSource("p", nil, fetch, "default-key", []auth.Option{auth.WithStore(store, "user-key")}).Token()
	require.NoError(t, err)
	require.Equal(t, "tok-2", savedToken(t, store, "user-key"), "the user's key wins")
}

// savedToken is the access token store holds under key, once it holds one
// (within 10 s).
func savedToken(t *testing.T, store auth.Store, key string) string {
	t.Helper()
	var access string
	require.Eventually(t, func() bool {
		tok, err := store.Load(t.Context(), key)
		require.NoError(t, err)
		if tok != nil {
			access = tok.AccessToken
		}
		return tok != nil
	}, 10*time.Second, time.Millisecond, "nothing saved under %q", key)
	return access
}
