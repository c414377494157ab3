package providertest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
)

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
			t.Parallel() // each its own server and client id
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
