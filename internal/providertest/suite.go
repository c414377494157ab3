package providertest

import (
	"cmp"
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
)

// The checks that read the same for every provider: each provider package
// runs them with its Provider and its own cases.

// RequestCase is one way of configuring a token request, and the request
// it makes. Want gets the client id the request carries.
type RequestCase[B, C any] struct {
	Name string
	Edit func(s *Server[B], cfg C) // nil: the tests' Config
	Path string
	// Basic: the credentials go in a Basic header; else none is sent.
	Basic       bool
	ContentType string
	Want        func(id string) B
	// Check, if not nil, checks more of the request.
	Check func(t *testing.T, r Request[B])
}

// TokenRequest checks the exact request each case makes: one POST to
// Path, with ContentType, the Basic header or none, and the body Want.
func (p Provider[B, C]) TokenRequest(t *testing.T, cases []RequestCase[B, C]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			s := p.NewServer(t, p.OK)
			cfg := p.Config(s)
			if tc.Edit != nil {
				tc.Edit(s, cfg)
			}
			_, err := p.get(context.Background(), cfg)
			require.NoError(t, err)
			r := s.Only(t)
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, tc.Path, r.Path)
			assert.Equal(t, tc.ContentType, r.ContentType)
			if tc.Basic {
				assert.Equal(t, p.Basic(s), r.Authorization)
			} else {
				assert.Empty(t, r.Authorization)
			}
			assert.Equal(t, tc.Want(s.ClientID), r.Body, "raw body %s", r.Raw)
			if tc.Check != nil {
				tc.Check(t, r)
			}
		})
	}
}

// AnswerCase is a token answer and the lifetime it gives.
type AnswerCase struct {
	Name   string
	Status int // 0: 200
	Body   string
	Expiry time.Duration
	// Raw, if not "", is the token_type the token keeps (tok.Extra).
	Raw string
	// CType, if not "", is the answer's Content-Type (else JSON's).
	CType string
	// Access, if not "", is the token's access token.
	Access string
}

// TokenAnswers checks that each answer gives a "Bearer" token (whatever
// token_type it said) expiring after Expiry.
func (p Provider[B, C]) TokenAnswers(t *testing.T, cases []AnswerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			answer := Always(cmp.Or(tc.Status, http.StatusOK), tc.Body)
			if tc.CType != "" {
				answer = Raw(cmp.Or(tc.Status, http.StatusOK), map[string]string{"Content-Type": tc.CType}, tc.Body)
			}
			s := p.NewServer(t, answer)
			tok, err := p.get(context.Background(), p.Config(s))
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType, "the raw token_type must never reach the Authorization header")
			assert.Equal(t, "Bearer", tok.Type())
			if tc.Raw != "" {
				assert.Equal(t, tc.Raw, tok.Extra("token_type"))
			}
			if tc.Access != "" {
				assert.Equal(t, tc.Access, tok.AccessToken)
			}
			AssertExpiry(t, tc.Expiry, tok.Expiry)
		})
	}
}

// ErrorCase is an answer that is not a token, and the *auth.Error it gives.
type ErrorCase struct {
	Name   string
	Status int
	Header map[string]string // besides ContentType; an X-Request-Id must reach Error.RequestID
	CType  string            // "": no Content-Type
	Body   string
	Kind   error
	Code   string
	Desc   string // "": not checked
	URI    string
	// RetryAfter is the server's wait, kept in the Error.
	RetryAfter time.Duration
	Attempts   int // 0: 1
}

// TokenErrors checks what each answer gives under policy: no token, an error of Kind in an *auth.Error of p's that
// keeps the status, code, description, URI, wait, request id and raw body,
// a message that starts with p's name and shows no secret, after Attempts
// requests.
func (p Provider[B, C]) TokenErrors(t *testing.T, policy Policy, cases []ErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel() // each its own server and client id
			s := p.NewServer(t, tc.answer())
			tok, err := p.fetch(policy, p.Config(s))
			require.Error(t, err)
			assert.Nil(t, tok)
			assert.ErrorIs(t, err, tc.Kind)
			var e *auth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, p.Name, e.Provider)
			assert.Equal(t, tc.Status, e.StatusCode)
			assert.Equal(t, tc.Code, e.Code)
			if tc.Desc != "" {
				assert.Equal(t, tc.Desc, e.Description)
			}
			assert.Equal(t, tc.URI, e.URI)
			assert.Equal(t, tc.RetryAfter, e.RetryAfter)
			assert.Equal(t, tc.Header["X-Request-Id"], e.RequestID)
			assert.Equal(t, tc.Body, string(e.Body), "the raw body is kept")
			assert.Equal(t, errors.Is(err, auth.ErrRateLimited) || errors.Is(err, auth.ErrServer), e.Temporary())
			assert.Len(t, s.Requests(), cmp.Or(tc.Attempts, 1))
			p.AssertNamed(t, err)
			AssertNoSecret(t, err.Error(), p.Secrets...)
		})
	}
}

// answer is tc's answer to every request.
func (tc ErrorCase) answer() Answer {
	h := maps.Clone(tc.Header)
	if tc.CType != "" {
		if h == nil {
			h = map[string]string{}
		}
		h["Content-Type"] = tc.CType
	}
	return Raw(tc.Status, h, tc.Body)
}

// UnixIn is the Unix time d from now, as a decimal: an expires_in that
// some providers send as the time of expiry.
func UnixIn(d time.Duration) string {
	return strconv.FormatInt(time.Now().Add(d).Unix(), 10)
}

// Raw answers every request with status, header and body as given.
func Raw(status int, header map[string]string, body string) Answer {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// ThenOK checks that a first answer, first, is retried, at least gap
// later, and that the retry's token (p.OK's), want, is the one returned.
func (p Provider[B, C]) ThenOK(t *testing.T, first Answer, want string, gap time.Duration) {
	t.Helper()
	s := p.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			first(w, r, n)
			return
		}
		p.OK(w, r, n)
	})
	tok, err := p.get(context.Background(), p.Config(s))
	require.NoError(t, err)
	assert.Equal(t, want, tok.AccessToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), gap)
}

// WaitedThenOK checks that a first answer of status with body and
// "X-Retry-In: 50" is retried after those 50 ms (ThenOK).
func (p Provider[B, C]) WaitedThenOK(t *testing.T, status int, body, want string) {
	t.Helper()
	p.ThenOK(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("X-Retry-In", "50")
		Reply(w, status, body)
	}, want, 50*time.Millisecond)
}

// NotWaited checks that an answer asking for a wait that is not to be
// waited (past the caller's deadline, deadline from now when not 0, or
// past the longest wait the policy takes) gives an error of kind at once,
// after that one request.
func (p Provider[B, C]) NotWaited(t *testing.T, answer Answer, deadline time.Duration, kind error) {
	t.Helper()
	s := p.NewServer(t, answer)
	ctx := context.Background()
	if deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	start := time.Now()
	_, err := p.get(ctx, p.Config(s))
	assert.ErrorIs(t, err, kind)
	assert.Less(t, time.Since(start), 5*time.Second, "returned at once, not at the deadline")
	assert.Len(t, s.Requests(), 1)
	p.AssertNamed(t, err)
}

// RetryAfterCase is a rate-limited answer's wait, in one of its forms: the
// header (made when the answer is sent) and the wait the Error keeps, in
// [Min, Max].
type RetryAfterCase struct {
	Name     string
	Header   func() (name, value string)
	Body     string // the 429's JSON body; "": {}
	Min, Max time.Duration
}

// RetryAfters checks that each form of a 429's wait reaches the Error of a
// single attempt, rate limited.
func (p Provider[B, C]) RetryAfters(t *testing.T, cases []RetryAfterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			s := p.NewServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				k, v := tc.Header()
				w.Header().Set(k, v)
				Reply(w, http.StatusTooManyRequests, cmp.Or(tc.Body, `{}`))
			})
			_, err := p.fetch(OneAttempt, p.Config(s))
			assert.ErrorIs(t, err, auth.ErrRateLimited)
			var e *auth.Error
			require.ErrorAs(t, err, &e)
			assert.GreaterOrEqual(t, e.RetryAfter, tc.Min)
			assert.LessOrEqual(t, e.RetryAfter, tc.Max)
		})
	}
}

// RedirectNotFollowed is RedirectNotFollowed for p: the token request to
// path answered with a redirect of status.
func (p Provider[B, C]) RedirectNotFollowed(t *testing.T, path string, status int) {
	t.Helper()
	RedirectNotFollowed(t, p.NewServer, p.OK, path, status, func(s *Server[B]) error {
		_, err := p.get(context.Background(), p.Config(s))
		return err
	})
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

// BasicHeaderDecodes checks that the Basic header of the tests' token
// request decodes to the server's client id and secret, whole; ok answers
// the request.
func (p Provider[B, C]) BasicHeaderDecodes(t *testing.T, ok Answer, secret string) {
	t.Helper()
	var user, pass string
	s := p.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		user, pass, _ = r.BasicAuth()
		ok(w, r, n)
	})
	_, err := p.get(context.Background(), p.Config(s))
	require.NoError(t, err)
	assert.Equal(t, s.ClientID, user)
	assert.Equal(t, secret, pass)
}

// TokenSourceStores checks that a TokenSource saving to a Store under the
// default key (WithStore(store, "")) serves want from one request answered
// by answer, saves it under key(id) (the provider's default key for the
// Config's client id), and that another Source over that Store serves it
// without a request. It returns the first Source and the server, for more
// checks.
func TokenSourceStores[B any, C ClientCredentials](t *testing.T, p Provider[B, C], answer Answer, key func(id string) string, want string) (*auth.Source, *Server[B]) {
	t.Helper()
	s := p.NewServer(t, answer)
	store := new(auth.MemoryStore)
	cfg := p.Config(s)
	src := cfg.TokenSource(auth.WithStore(store, ""))
	for range 3 {
		tok, err := src.Token()
		require.NoError(t, err)
		assert.Equal(t, want, tok.AccessToken)
	}
	assert.Len(t, s.Requests(), 1)
	// The save follows the hand-over to the caller (callers never wait on
	// the Store): wait for it.
	require.Eventually(t, func() bool {
		saved, err := store.Load(context.Background(), key(s.ClientID))
		require.NoError(t, err)
		return saved != nil && assert.Equal(t, want, saved.AccessToken)
	}, 10*time.Second, time.Millisecond, "nothing saved under the default key")

	tok, err := cfg.TokenSource(auth.WithStore(store, "")).Token()
	require.NoError(t, err)
	assert.Equal(t, want, tok.AccessToken)
	assert.Len(t, s.Requests(), 1, "the second Source read the store")
	return src, s
}

// Documented is the token of a provider's documented answer (p.OK), field
// by field.
type Documented struct {
	Access, Refresh string
	ExpiresIn       int64             // seconds, within 2
	Extra           map[string]string // raw fields of the answer
}

// DocumentedFields is the subtest checking that p.OK's token is want.
func (p Provider[B, C]) DocumentedFields(want Documented) func(t *testing.T) {
	return func(t *testing.T) {
		s := p.NewServer(t, p.OK)
		tok, err := p.get(context.Background(), p.Config(s))
		require.NoError(t, err)
		assert.Equal(t, want.Access, tok.AccessToken)
		assert.Equal(t, want.Refresh, tok.RefreshToken)
		assert.InDelta(t, want.ExpiresIn, tok.ExpiresIn, 2)
		for k, v := range want.Extra {
			assert.Equal(t, v, tok.Extra(k), k)
		}
	}
}
