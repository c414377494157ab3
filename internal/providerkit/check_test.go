package providerkit_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
