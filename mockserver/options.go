package mockserver

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	clients      []clientReg
	noDemo       bool
	lifetimes    map[Provider]time.Duration
	codeLifetime time.Duration
	moovType     string
	moovAPI      MoovAPI
	logger       *slog.Logger
	rotate       bool
	logging      bool
	limits       Limits
	now          func() time.Time
}

type clientReg struct {
	p          Provider
	id, secret string
}

func newConfig(opts []Option) config {
	c := config{
		lifetimes:    map[Provider]time.Duration{},
		codeLifetime: 10 * time.Minute,
		moovType:     "opaque",
		moovAPI:      MoovSeed,
		rotate:       true,
		limits:       DefaultLimits(),
		now:          time.Now,
	}
	for _, p := range Providers() {
		c.lifetimes[p] = p.DefaultLifetime()
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// WithClient registers a client with the provider, as [Server.AddClient] does.
func WithClient(p Provider, clientID, secret string) Option {
	mustProvider(p)
	return func(c *config) { c.clients = append(c.clients, clientReg{p, clientID, secret}) }
}

// WithoutDemoClients leaves out the demo client every provider otherwise has
// ([DemoClientID], [DemoClientSecret]).
func WithoutDemoClients() Option { return func(c *config) { c.noDemo = true } }

// WithTokenLifetime sets the lifetime of the provider's access tokens, sent as expires_in.
// It is rounded up to whole seconds, since expires_in is a number of seconds and 0 means
// "the provider's default" to clients. Give 0 for MobiFinance to restore its permanent tokens
// (no expires_in, never expire); a zero or negative lifetime for any other provider panics.
func WithTokenLifetime(p Provider, d time.Duration) Option {
	mustProvider(p)
	if d <= 0 && p != MobiFinance {
		panic(fmt.Sprintf("mockserver: WithTokenLifetime(%s, %s): the lifetime must be positive", p, d))
	}
	if d < 0 {
		panic(fmt.Sprintf("mockserver: WithTokenLifetime(%s, %s): the lifetime must not be negative", p, d))
	}
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return func(c *config) { c.lifetimes[p] = d }
}

// WithCodeLifetime sets how long a MobiFinance authorization code issued by
// [Server.IssueCode] can be exchanged. Default 10 minutes, the longest RFC 6749 recommends.
func WithCodeLifetime(d time.Duration) Option {
	if d <= 0 {
		panic("mockserver: WithCodeLifetime: the lifetime must be positive")
	}
	return func(c *config) { c.codeLifetime = d }
}

// WithMoovTokenType sets the token_type of Moov's tokens: "opaque" (the default, random
// strings) or "jwt" (JSON Web Tokens signed with a key the mock makes up at start).
// Either way Moov's API, and the mock's protected endpoint, want Authorization: Bearer.
func WithMoovTokenType(tokenType string) Option {
	if tokenType != "opaque" && tokenType != "jwt" {
		panic(fmt.Sprintf("mockserver: WithMoovTokenType(%q): want \"opaque\" or \"jwt\"", tokenType))
	}
	return func(c *config) { c.moovType = tokenType }
}

// WithMoovRefreshTokenReuse makes Moov refresh tokens reusable. By default a refresh token
// is single-use (rotated): the refresh_token grant answers with a new refresh token and the
// old one is then rejected with invalid_grant, as OAuth 2.0 Security BCP recommends. Access
// tokens issued earlier stay valid until they expire either way. A refresh token expires
// 30 days after it was issued (Moov documents no lifetime), and the oldest are forgotten
// beyond Limits.MaxEntries.
func WithMoovRefreshTokenReuse() Option { return func(c *config) { c.rotate = false } }

// WithLogger logs every request the mock answers (method, path, provider, status), at info
// level, and net/http's own errors at debug level. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger, c.logging = l, l != nil }
}

func mustProvider(p Provider) {
	if !p.valid() {
		panic(fmt.Sprintf("mockserver: unknown provider %q", string(p)))
	}
}
