package providerkit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

func TestConfigError(t *testing.T) {
	err := error(&auth.ConfigError{Provider: "moov", Field: "BaseURL", Err: fmt.Errorf("x: %w", auth.ErrInsecureURL)})
	assert.Equal(t, "moov: Config.BaseURL: x: "+auth.ErrInsecureURL.Error(), err.Error())
	assert.ErrorIs(t, err, auth.ErrInsecureURL)
}

func TestCheckBaseURL(t *testing.T) {
	got, err := providerkit.CheckBaseURL("moov", "", "https://api.moov.io")
	require.NoError(t, err)
	assert.Equal(t, "https://api.moov.io", got)

	got, err = providerkit.CheckBaseURL("moov", "http://127.0.0.1:8089/moov", "https://api.moov.io")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8089/moov", got)

	for _, raw := range []string{"http://api.moov.io", "api.moov.io", "https://u:p@api.moov.io", "https://api.moov.io?a=1", "ftp://api.moov.io"} {
		_, err := providerkit.CheckBaseURL("moov", raw, "https://api.moov.io")
		var ce *auth.ConfigError
		require.ErrorAs(t, err, &ce, raw)
		assert.Equal(t, "BaseURL", ce.Field)
		assert.True(t, strings.HasPrefix(err.Error(), "moov: Config.BaseURL: "), err.Error())
		assert.NotContains(t, err.Error(), "u:p", "user info never echoed")
	}
	_, err = providerkit.CheckBaseURL("moov", "http://api.moov.io", "")
	assert.ErrorIs(t, err, auth.ErrInsecureURL)
}

func TestCheckClientID(t *testing.T) {
	assert.NoError(t, providerkit.CheckClientID("p", "id", auth.InHeader))
	assert.NoError(t, providerkit.CheckClientID("p", "a:b", auth.InBody), "a ':' is fine in a body")
	assert.ErrorContains(t, providerkit.CheckClientID("p", "a:b", auth.InHeader), "p: Config.ClientID: contains ':'")
	assert.ErrorContains(t, providerkit.CheckClientID("p", "", auth.InBody), "p: Config.ClientID: empty")
	assert.ErrorContains(t, providerkit.CheckClientID("p", "a\nb", auth.InBody), "control character")
}

func TestCheckClientSecret(t *testing.T) {
	assert.NoError(t, providerkit.CheckClientSecret("p", "s:%+ é"))
	assert.ErrorContains(t, providerkit.CheckClientSecret("p", ""), "p: Config.ClientSecret: empty")
	err := providerkit.CheckClientSecret("p", "top\rsecret")
	assert.ErrorContains(t, err, "control character")
	assert.NotContains(t, err.Error(), "secret\"")
	assert.NotContains(t, err.Error(), "top")
}

func TestCheckAuthStyle(t *testing.T) {
	assert.NoError(t, providerkit.CheckAuthStyle("p", auth.InHeader))
	assert.NoError(t, providerkit.CheckAuthStyle("p", auth.InBody))
	assert.ErrorContains(t, providerkit.CheckAuthStyle("p", 9), "p: Config.AuthStyle:")
}

func TestCheckScopes(t *testing.T) {
	assert.NoError(t, providerkit.CheckScopes("p", "Scopes", nil))
	assert.NoError(t, providerkit.CheckScopes("p", "Scopes", []string{"/accounts.read", "accounts:read", "a!#[]~"}))
	for _, tc := range []struct {
		scopes []string
		want   string
	}{
		{[]string{"a", "b c"}, "p: Config.Scopes[1]: \"b c\" contains a space"},
		{[]string{""}, "p: Config.Scopes[0]: empty scope"},
		{[]string{"a\tb"}, "p: Config.Scopes[0]:"},
		{[]string{`a"b`}, "p: Config.Scopes[0]:"},
		{[]string{`a\b`}, "p: Config.Scopes[0]:"},
		{[]string{"é"}, "p: Config.Scopes[0]:"},
	} {
		assert.ErrorContains(t, providerkit.CheckScopes("p", "Scopes", tc.scopes), tc.want, "%q", tc.scopes)
	}
}

func TestCheckScope(t *testing.T) {
	assert.NoError(t, providerkit.CheckScope("p", "Scope", "api"))
	assert.NoError(t, providerkit.CheckScope("p", "Scope", "api payouts"))
	for _, s := range []string{"", " api", "api ", "api  payouts", "api\npayouts"} {
		assert.ErrorContains(t, providerkit.CheckScope("p", "Scope", s), "p: Config.Scope:", "%q", s)
	}
}

func TestPrefixError(t *testing.T) {
	assert.NoError(t, providerkit.PrefixError("moov", nil))
	base := errors.New("auth: token request failed after 3 attempts")
	err := providerkit.PrefixError("moov", base)
	assert.Equal(t, "moov: auth: token request failed after 3 attempts", err.Error())
	assert.ErrorIs(t, err, base)
	already := errors.New("moov: token request failed: HTTP 400")
	assert.Same(t, already, providerkit.PrefixError("moov", already))
}

func TestTokenClient(t *testing.T) {
	assert.Same(t, providerkit.TokenClient(nil), providerkit.TokenClient(nil), "one shared default client")
	assert.NotNil(t, providerkit.TokenClient(nil).CheckRedirect)

	hc := &http.Client{}
	got := providerkit.TokenClient(hc)
	assert.NotSame(t, hc, got)
	assert.Nil(t, hc.CheckRedirect, "the caller's client is not changed")
	assert.NotNil(t, got.CheckRedirect)
}

func TestEndpointSend(t *testing.T) {
	ep := providerkit.Endpoint{Provider: "moov"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
			return
		}
		_, _ = io.WriteString(w, `{"access_token":"a","token_type":"opaque"}`)
	}))
	defer srv.Close()
	post := func(path string) func(context.Context) (*http.Response, error) {
		return func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, nil)
			return srv.Client().Do(req)
		}
	}

	tok, err := ep.Send(context.Background(), post("/ok"))
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)

	_, err = ep.Send(context.Background(), post("/bad"))
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, "<html>bad gateway</html>", string(e.Body))

	netErr := errors.New("dial tcp: refused")
	_, err = ep.Send(context.Background(), func(context.Context) (*http.Response, error) { return nil, netErr })
	assert.ErrorIs(t, err, netErr)
	assert.Equal(t, "moov: token request: dial tcp: refused", err.Error())
}

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
