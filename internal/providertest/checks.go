package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
)

// ClientCredentials is what the Configs of the client-credentials
// providers (moneygo, moneykit, moov) have in common.
type ClientCredentials interface {
	Token(ctx context.Context) (*oauth2.Token, error)
	TokenSource(opts ...auth.Option) *auth.Source
	Client(opts ...auth.Option) *http.Client
}

// ConfigRedacted checks that a Config prints, marshals and logs without its
// secret: cfg is the Config, ptr a pointer to it, secret its ClientSecret
// and id its ClientID (which does show, as does "[redacted]").
func ConfigRedacted(t *testing.T, cfg, ptr, secret any, id string) {
	t.Helper()
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, verb+"\n", cfg)
		fmt.Fprintf(&out, verb+"\n", ptr)
	}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	out.Write(b)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "cfg", cfg, "secret", secret)
	AssertNoSecret(t, out.String())
	assert.Contains(t, out.String(), "[redacted]")
	assert.Contains(t, out.String(), id)
}

// ConfigCase is a Config that cannot work: Edit breaks it, and the error
// names Field (and is Is, when not nil).
type ConfigCase[C any] struct {
	Name  string
	Edit  func(C)
	Field string
	Is    error
}

// ConfigErrors checks that each broken Config fails on first use, from
// Token, TokenSource and Client alike (ClientCredentialsUses), with an
// *auth.ConfigError naming the field, and sends nothing. ok answers a
// request, were one sent.
func ConfigErrors[B any, C ClientCredentials](t *testing.T, newServer func(*testing.T, Answer) *Server[B],
	config func(*Server[B]) C, ok Answer, cases []ConfigCase[C],
) {
	t.Helper()
	ConfigErrorsFrom(t, newServer, config, ok, cases, ClientCredentialsUses[B, C])
}

// ConfigErrorsFrom is ConfigErrors for any Config: uses makes each call
// that must fail with the broken cfg (its requests going to s), and
// returns their errors, which must not show the secret nor any of secrets.
func ConfigErrorsFrom[B, C any](t *testing.T, newServer func(*testing.T, Answer) *Server[B],
	config func(*Server[B]) C, ok Answer, cases []ConfigCase[C], uses func(s *Server[B], cfg C) []error, secrets ...string,
) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			s := newServer(t, ok)
			cfg := config(s)
			tc.Edit(cfg)
			for _, err := range uses(s, cfg) {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.Field)
				var ce *auth.ConfigError
				assert.ErrorAs(t, err, &ce)
				if tc.Is != nil {
					assert.ErrorIs(t, err, tc.Is)
				}
				AssertNoSecret(t, err.Error(), secrets...)
			}
			assert.Empty(t, s.Requests())
		})
	}
}

// ClientCredentialsUses are the errors of cfg's Token, of its
// TokenSource's Token, and of a GET of s through its Client.
func ClientCredentialsUses[B any, C ClientCredentials](s *Server[B], cfg C) []error {
	_, tokenErr := cfg.Token(context.Background())
	_, sourceErr := cfg.TokenSource().Token()
	resp, clientErr := cfg.Client().Get(s.URL + "/x")
	if clientErr == nil {
		resp.Body.Close()
	}
	return []error{tokenErr, sourceErr, clientErr}
}

// ErrorMessageAfterRetries checks that after its retries an error names
// the provider once and says how many attempts it took, from Token as from
// a TokenSource.
func ErrorMessageAfterRetries[B any, C ClientCredentials](t *testing.T, provider string,
	newServer func(*testing.T, Answer) *Server[B], config func(*Server[B]) C,
) {
	t.Helper()
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("X-Request-Id", "req-9")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>bad gateway</html>")
	})
	want := provider + ": token request failed after 3 attempts: HTTP 502 Bad Gateway [request id req-9]"
	_, err := config(s).Token(context.Background())
	require.Error(t, err)
	assert.Equal(t, want, err.Error())
	assert.ErrorIs(t, err, auth.ErrServer)
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadGateway, e.StatusCode)

	_, err = config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MinBackoff: time.Millisecond})).Token()
	require.Error(t, err)
	assert.Equal(t, want, err.Error())
	assert.Len(t, s.Requests(), 6)
}

// TokenErr is RedirectNotFollowed's fetch for a client-credentials
// provider: the error of config(s).Token.
func TokenErr[B any, C ClientCredentials](config func(*Server[B]) C) func(*Server[B]) error {
	return func(s *Server[B]) error {
		_, err := config(s).Token(context.Background())
		return err
	}
}

// RedirectNotFollowed checks that a token request answered with a redirect
// (status, to path on a second server that would answer ok) fails after
// that one request with an *auth.Error keeping the status, and that the
// redirect's target gets nothing. fetch makes the request to s.
func RedirectNotFollowed[B any](t *testing.T, newServer func(*testing.T, Answer) *Server[B], ok Answer,
	path string, status int, fetch func(s *Server[B]) error,
) {
	t.Helper()
	other := newServer(t, ok)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, other.URL+path, status)
	})
	err := fetch(s)
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, status, e.StatusCode)
	assert.Empty(t, other.Requests())
	assert.Len(t, s.Requests(), 1)
}

// BasicHeaderDecodes checks that the Basic header of config's token
// request decodes to id and secret, whole; ok answers the request.
func BasicHeaderDecodes[B any, C ClientCredentials](t *testing.T, newServer func(*testing.T, Answer) *Server[B],
	config func(*Server[B]) C, ok Answer, id, secret string,
) {
	t.Helper()
	var user, pass string
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		user, pass, _ = r.BasicAuth()
		ok(w, r, n)
	})
	_, err := config(s).Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, id, user)
	assert.Equal(t, secret, pass)
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
