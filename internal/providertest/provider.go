package providertest

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

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

// Provider describes one provider package to the shared suite: how to make
// its Config, what its token endpoint looks like, and how a token is got.
// B is the request body as its wire format decodes (JSONBody, FormBody), C
// its *Config.
type Provider[B, C any] struct {
	// Name is the provider's name: Error.Provider, and how every message
	// starts ("moov: ").
	Name string
	// Decode decodes a request body: JSONBody or FormBody.
	Decode func(raw []byte) B
	// New is a bare Config: these credentials, against baseURL through hc.
	New func(id string, secret auth.Secret, baseURL string, hc *http.Client) C
	// Test completes the Config the tests use (scopes, a redirect URL);
	// nil: New's is it.
	Test func(C)
	// OK answers a token request as the provider documents.
	OK Answer
	// Fetch gets a token under the provider's default policy, for a
	// provider whose Config is not ClientCredentials (whose Token it is
	// otherwise): the Exchange of a code, say, which never retries.
	Fetch func(ctx context.Context, cfg C) (*oauth2.Token, error)
	// Secrets are what the requests carry besides TestSecret that no error
	// may show (an authorization code).
	Secrets []string
}

// clientIDs numbers the client ids ID hands out.
var clientIDs atomic.Int64

// ID is a client id no other test of this process uses: p.Name and a
// number. A process shares one refresh rate limit among all Sources of a
// provider and client id (auth.WithRefreshLimit, 20 or 40 a second): tests
// sharing an id would queue for it.
func (p Provider[B, C]) ID() string {
	return p.Name + "-" + strconv.FormatInt(clientIDs.Add(1), 10)
}

// NewServer starts a Server, closed when the test ends, decoding bodies
// with p.Decode, and with a client id of its own (Server.ClientID, for
// Config).
func (p Provider[B, C]) NewServer(t *testing.T, answer Answer) *Server[B] {
	t.Helper()
	s := NewServer(t, p.Decode, answer)
	s.ClientID = p.ID()
	return s
}

// Config is the tests' Config against s: s's client id, TestSecret, and
// what p.Test adds.
func (p Provider[B, C]) Config(s *Server[B]) C {
	cfg := p.New(s.ClientID, TestSecret, s.URL, s.Client())
	if p.Test != nil {
		p.Test(cfg)
	}
	return cfg
}

// Basic is the Authorization header of s's client id and TestSecret.
func (p Provider[B, C]) Basic(s *Server[B]) string { return BasicAuth(s.ClientID) }

// Policy is how TokenErrors gets a token.
type Policy int

// The Policies.
const (
	DefaultPolicy Policy = iota // Token (or Provider.Fetch): the provider's retries
	OneAttempt                  // a TokenSource making one attempt (or Provider.Fetch)
)

// fetch gets a token from cfg under policy.
func (p Provider[B, C]) fetch(policy Policy, cfg C) (*oauth2.Token, error) {
	if cc, ok := any(cfg).(ClientCredentials); ok && policy == OneAttempt {
		return cc.TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
	}
	return p.get(context.Background(), cfg)
}

// get gets a token from cfg under the provider's default policy: Token, or
// p.Fetch.
func (p Provider[B, C]) get(ctx context.Context, cfg C) (*oauth2.Token, error) {
	if p.Fetch == nil {
		if cc, ok := any(cfg).(ClientCredentials); ok {
			return cc.Token(ctx)
		}
	}
	return p.Fetch(ctx, cfg)
}
