package mockserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// state is everything the mock remembers, behind one mutex: requests are few and short.
type state struct {
	cfg    config
	jwtKey []byte

	mu      sync.Mutex
	clients map[Provider]map[string]string // provider → client id → secret
	tokens  *ledger[*issued]               // access token → what it was issued for
	refresh *ledger[*refreshGrant]         // Moov refresh token → grant
	codes   *ledger[*authCode]             // MobiFinance code → binding
	faults  map[Provider][]*faultEntry
	counts  map[Provider]*Counts
	unowned Counts // protected requests whose token the mock never issued
}

type issued struct {
	provider Provider
	clientID string
	scope    string
	tokenTyp string
	expires  time.Time // zero: never
	revoked  bool
}

type refreshGrant struct {
	provider Provider
	clientID string
	scope    string
}

type authCode struct {
	clientID    string
	redirectURI string
	expires     time.Time
	used        bool
	token       string // the access token it was exchanged for, revoked if the code is replayed
}

func newState(cfg config) *state {
	st := &state{
		cfg:     cfg,
		jwtKey:  randomBytes(32),
		clients: map[Provider]map[string]string{},
		tokens:  newLedger[*issued](cfg.limits.MaxEntries),
		refresh: newLedger[*refreshGrant](cfg.limits.MaxEntries),
		codes:   newLedger[*authCode](cfg.limits.MaxEntries),
		faults:  map[Provider][]*faultEntry{},
		counts:  map[Provider]*Counts{},
	}
	for _, p := range Providers() {
		st.clients[p] = map[string]string{}
		st.counts[p] = &Counts{}
		if !cfg.noDemo {
			st.clients[p][DemoClientID(p)] = DemoClientSecret(p)
		}
	}
	for _, c := range cfg.clients {
		st.clients[c.p][c.id] = c.secret
	}
	return st
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("mockserver: crypto/rand: " + err.Error()) // never happens on supported platforms
	}
	return b
}

// randomToken is 32 random bytes, hex-encoded: 64 characters, like the vendors' examples.
func randomToken() string { return hex.EncodeToString(randomBytes(32)) }

// AddClient registers a client with the provider, or changes the secret of one already
// registered. An empty id or secret panics.
func (s *Server) AddClient(p Provider, clientID, secret string) {
	mustProvider(p)
	if clientID == "" || secret == "" {
		panic("mockserver: AddClient: empty client id or secret")
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.clients[p][clientID] = secret
}

// RemoveClient unregisters a client; its tokens stay valid until they expire.
func (s *Server) RemoveClient(p Provider, clientID string) {
	mustProvider(p)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	delete(s.st.clients[p], clientID)
}

// checkClient reports whether id and secret are a registered client of p. Basic credentials
// are tried as given and, failing that, form-decoded, since RFC 6749 §2.3.1 has clients
// form-encode them first (golang.org/x/oauth2 does) while many clients don't.
func (st *state) checkClient(p Provider, id, secret string, fromBasic bool) (clientID string, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	try := func(id, secret string) bool {
		want, found := st.clients[p][id]
		return found && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
	}
	if try(id, secret) {
		return id, true
	}
	if fromBasic {
		uid, err1 := url.QueryUnescape(id)
		usec, err2 := url.QueryUnescape(secret)
		if err1 == nil && err2 == nil && try(uid, usec) {
			return uid, true
		}
	}
	return "", false
}

// lifetime of the provider's tokens; 0 means permanent.
func (st *state) lifetime(p Provider) time.Duration { return st.cfg.lifetimes[p] }

// issue makes a new access token for the client.
func (st *state) issue(p Provider, clientID, scope, tokenType string) (string, time.Duration) {
	tok, life, _ := st.issueFormat(p, clientID, scope, tokenType, tokenType == "jwt")
	return tok, life
}

// issueFormat is issue for a token whose format (a JSON Web Token when asJWT, else random)
// is not what its token_type says, as Moov's current "Bearer" JWTs. It also returns the time
// of issue.
func (st *state) issueFormat(p Provider, clientID, scope, tokenType string, asJWT bool) (string, time.Duration, time.Time) {
	life := st.lifetime(p)
	now := st.cfg.now()
	var exp time.Time
	if life > 0 {
		exp = now.Add(life)
	}
	tok := randomToken()
	if asJWT {
		tok = st.jwt(p, clientID, scope, now, exp)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pruneLocked(now)
	st.tokens.put(p, tok, &issued{provider: p, clientID: clientID, scope: scope, tokenTyp: tokenType, expires: exp}, st.forgetAfter(exp))
	return tok, life, now
}

// jwt makes an HS256 JSON Web Token; the key is random per server, so nobody can verify it
// but the mock: it only has to look like one.
func (st *state) jwt(p Provider, clientID, scope string, now, exp time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims := map[string]any{
		"iss": "paytoken-mockserver/" + string(p),
		"sub": clientID,
		"iat": now.Unix(),
		"jti": hex.EncodeToString(randomBytes(16)),
	}
	if scope != "" {
		claims["scope"] = scope
	}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	payload, _ := json.Marshal(claims)
	signing := header + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, st.jwtKey)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// pruneLocked forgets the tokens and codes that expired more than Limits.ExpiredRetention
// ago, so a long-running `paytoken mock` keeps what is in use, not what it ever issued
// (Limits.MaxEntries bounds the rest).
func (st *state) pruneLocked(now time.Time) {
	st.tokens.prune(now)
	st.refresh.prune(now)
	st.codes.prune(now)
}

// forgetAfter is when something that expires at exp is forgotten (zero: never expires).
func (st *state) forgetAfter(exp time.Time) time.Time {
	if exp.IsZero() {
		return exp
	}
	return exp.Add(st.cfg.limits.ExpiredRetention)
}

// refreshLifetime is how long a Moov refresh token can be used: Moov documents none, and
// the mock has to forget them some time.
const refreshLifetime = 30 * 24 * time.Hour

// newRefresh makes a Moov refresh token for the grant.
func (st *state) newRefresh(p Provider, clientID, scope string) string {
	rt := randomToken()
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	st.pruneLocked(now)
	st.refresh.put(p, rt, &refreshGrant{provider: p, clientID: clientID, scope: scope}, now.Add(refreshLifetime))
	return rt
}

var (
	errBadRefresh = errors.New("the refresh token is unknown, was used already or belongs to another client")
	errWiderScope = errors.New("the scope asked for is wider than the refresh token's")
)

// useRefresh checks a refresh token presented by clientID, and the scope asked for (empty:
// the grant's own), and, when refresh tokens rotate, spends it. A refused request does not
// spend it.
func (st *state) useRefresh(p Provider, clientID, rt, scope string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pruneLocked(st.cfg.now()) // a refresh token past its lifetime is gone
	g, ok := st.refresh.get(rt)
	if !ok || g.provider != p || g.clientID != clientID {
		return "", errBadRefresh
	}
	// A grant without a scope had the client's default scope, which the mock takes to be
	// every scope (RFC 6749 §3.3), so a refresh may name any; otherwise it may only narrow
	// (§6). Generic clients that omit the scope on the first request and send it on the
	// refresh (requests-oauthlib does) work.
	if scope == "" {
		scope = g.scope
	} else if g.scope != "" && !subset(scope, g.scope) {
		return "", errWiderScope
	}
	if st.cfg.rotate {
		st.refresh.remove(rt)
	}
	return scope, nil
}

// IssueCode makes a MobiFinance authorization code for the client, as MonPay does when the
// user approves the mini app. The code is single-use, bound to the client and to redirectURI
// (the exchange must send the same redirect_uri), and expires after the code lifetime
// ([WithCodeLifetime], default 10 minutes). Replaying a code that was already exchanged is
// refused with 403 invalid_grant and also revokes the token it was exchanged for (RFC 6749
// §4.1.2). It fails if the client is not registered.
func (s *Server) IssueCode(clientID, redirectURI string) (string, error) {
	if redirectURI == "" {
		return "", errors.New("mockserver: IssueCode: empty redirect URI")
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.clients[MobiFinance][clientID]; !ok {
		return "", fmt.Errorf("mockserver: IssueCode: client %q is not registered with MobiFinance", clientID)
	}
	code := hex.EncodeToString(randomBytes(16))
	now := st.cfg.now()
	st.pruneLocked(now)
	exp := now.Add(st.cfg.codeLifetime)
	st.codes.put(MobiFinance, code, &authCode{clientID: clientID, redirectURI: redirectURI, expires: exp}, st.forgetAfter(exp))
	return code, nil
}

// MustIssueCode is IssueCode that panics on error, for tests.
func (s *Server) MustIssueCode(clientID, redirectURI string) string {
	c, err := s.IssueCode(clientID, redirectURI)
	if err != nil {
		panic(err)
	}
	return c
}

// redeem spends a code presented by an authenticated client. Any presentation by its own
// client spends it, whatever the outcome, so a code never works twice.
func (st *state) redeem(clientID, code, redirectURI string) (*authCode, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	st.pruneLocked(now)
	c, ok := st.codes.get(code)
	switch {
	case !ok:
		return nil, "Invalid code"
	case c.clientID != clientID:
		return nil, "Invalid code: it was issued to another client"
	case c.used:
		if t, ok := st.tokens.get(c.token); ok {
			t.revoked = true
		}
		return nil, "Invalid code: it was used already; the token it gave is revoked"
	}
	c.used = true
	switch {
	case now.After(c.expires):
		return nil, "Invalid code: it has expired"
	case c.redirectURI != redirectURI:
		return nil, "Invalid code: redirect_uri does not match the one the code was issued for"
	}
	return c, ""
}

func (st *state) bindCodeToken(c *authCode, tok string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c.token = tok
}

// lookup finds an access token; ok is false when the mock never issued it or has
// forgotten it (see pruneLocked).
func (st *state) lookup(tok string) (issued, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pruneLocked(st.cfg.now())
	t, ok := st.tokens.get(tok)
	if !ok {
		return issued{}, false
	}
	return *t, true
}

// ExpireTokens makes every access token the provider issued so far expired, so the next
// call to the protected endpoint with one of them gets 401: a quick way to test what a
// client does when the API rejects its cached token.
func (s *Server) ExpireTokens(p Provider) {
	mustProvider(p)
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	past := st.cfg.now().Add(-time.Second)
	forget := st.forgetAfter(past)
	st.tokens.each(p, func(e *ledgerEntry[*issued]) {
		e.val.expires = past
		if e.forget.IsZero() || forget.Before(e.forget) {
			e.forget = forget // no later than before, so the order stays that of forget times
		}
	})
}

// RevokeToken revokes one access token: the protected endpoint rejects it from now on.
func (s *Server) RevokeToken(accessToken string) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if t, ok := st.tokens.get(accessToken); ok {
		t.revoked = true
	}
}
