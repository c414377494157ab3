package mockserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	genmobifinance "github.com/paytoken/paytoken/gen/mobifinance"
	genmoneygo "github.com/paytoken/paytoken/gen/moneygo"
	genmoneykit "github.com/paytoken/paytoken/gen/moneykit"
	genmoov "github.com/paytoken/paytoken/gen/moov"
)

// reqInfo is what a strict handler needs from the HTTP request beyond its decoded body:
// the generated strict interface hands it only a context.
type reqInfo struct {
	basicID, basicSecret string
	hasBasic             bool
	formAnswer           bool // answer in a form body: Moov mirrors a form request unless Accept prefers JSON
	outcome              *outcome
}

type outcome struct{ issued bool }

type ctxKey struct{}

func info(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{outcome: &outcome{}}
}

// tokenMiddleware wraps a provider's generated strict handler: it counts the request, sets
// the headers every token answer carries, applies injected faults, validates the request
// against the embedded spec and answers the provider's documented 400 when it fails.
func (s *Server) tokenMiddleware(p Provider) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			s.st.count(p, func(c *Counts) { c.TokenRequests++ })
			w := &challenger{ResponseWriter: rw, realm: string(p)}
			h := w.Header()
			tokenHeaders(h)

			// The request is read first, as a server does before it works on it: a slow or
			// oversized body is refused (408, 413) whatever fault is queued.
			body, ok := s.readBody(w, r)
			if !ok {
				return
			}

			f, faulty := s.st.takeFault(p)
			if faulty {
				s.st.count(p, func(c *Counts) { c.Faults++ })
				if f.Delay > 0 && !s.wait(r.Context(), f.Delay) {
					drop(w) // the client left, the server is closing, or the write timeout came first
					return
				}
				if f.kinds() > 0 && !f.AfterHandling {
					s.serveFault(w, p, f)
					return
				}
			}
			ct := r.Header.Get("Content-Type")
			if name := repeatedParam(ct, body); name != "" {
				s.st.count(p, func(c *Counts) { c.TokenErrors++ })
				s.answer(w, p, invalidRequest(p, "parameter "+strconv.Quote(truncate(name, 40))+" is repeated (RFC 6749 section 3.2)"))
				return
			}
			if name := queryParam(r.URL.Query()); name != "" {
				s.st.count(p, func(c *Counts) { c.TokenErrors++ })
				s.answer(w, p, invalidRequest(p, "parameter "+strconv.Quote(name)+" in the request URI: token request parameters go in the body (RFC 6749 section 3.2)"))
				return
			}
			isForm := strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded")
			ri := &reqInfo{formAnswer: isForm && !prefersJSON(r.Header.Get("Accept")), outcome: &outcome{}}
			ri.basicID, ri.basicSecret, ri.hasBasic = basicCreds(r)

			rt, err := route(p)
			if err != nil {
				panic(err) // the embedded specs load in the tests: never here
			}
			vr := r.Clone(r.Context())
			vr.Body = io.NopCloser(bytes.NewReader(body))
			vr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			vr.ContentLength = int64(len(body))
			in := &openapi3filter.RequestValidationInput{Request: vr, Route: rt, Options: validationOptions}
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
				s.st.count(p, func(c *Counts) { c.TokenErrors++ })
				s.answer(w, p, rejection(p, ct, body, describe(err)))
				return
			}

			r2 := r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
			u := *r.URL
			u.RawQuery = "" // the handlers read the body's parameters alone
			r2.URL = &u
			r2.Body = io.NopCloser(bytes.NewReader(body))
			r2.ContentLength = int64(len(body))
			if faulty && f.AfterHandling {
				next.ServeHTTP(discard{h: http.Header{}}, r2)
				s.serveFault(w, p, f)
			} else {
				next.ServeHTTP(w, r2)
			}
			if ri.outcome.issued {
				s.st.count(p, func(c *Counts) { c.TokensIssued++ })
			} else {
				s.st.count(p, func(c *Counts) { c.TokenErrors++ })
			}
		})
	}
}

// tokenHeaders sets the headers every token answer carries. The request id is a UUID, the
// format Moov's spec gives x-request-id.
func tokenHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Request-Id", requestID())
}

func (s *Server) answer(w http.ResponseWriter, p Provider, r responder) {
	if err := r.VisitCreateTokenResponse(w); err != nil {
		s.cfg.logger.Warn("mockserver: writing an answer", "provider", p, "err", err)
	}
}

// discard is the ResponseWriter an AfterHandling fault's real answer goes to.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// clientCredentials picks the client's credentials from a Basic header or the body, as
// MoneyKit and Moov allow. Credentials in both places must agree. ok is false when they
// disagree (a bad request), present says whether any were sent.
func clientCredentials(ri *reqInfo, bodyID, bodySecret *string) (id, secret string, fromBasic, ok bool) {
	bid, bsec := deref(bodyID), deref(bodySecret)
	if ri.hasBasic {
		if (bid != "" && bid != ri.basicID) || (bsec != "" && bsec != ri.basicSecret) {
			return "", "", true, false
		}
		return ri.basicID, ri.basicSecret, true, true
	}
	return bid, bsec, false, true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// seconds is a lifetime as expires_in: whole seconds (WithTokenLifetime rounds up).
func seconds(life time.Duration) int { return int(life / time.Second) }

// ---- Money-Go ----

type moneygoServer struct{ s *Server }

func (m moneygoServer) CreateToken(ctx context.Context, req genmoneygo.CreateTokenRequestObject) (genmoneygo.CreateTokenResponseObject, error) {
	ri, b := info(ctx), req.Body
	if b == nil {
		return invalidRequest(MoneyGo, "missing JSON body").(genmoneygo.CreateTokenResponseObject), nil
	}
	id, ok := m.s.st.checkClient(MoneyGo, b.ClientID, b.ClientSecret, false)
	if !ok {
		return genmoneygo.CreateToken4XXJSONResponse{StatusCode: 401, Body: oauthError{"invalid_client", "Invalid client_id or client_secret"}}, nil
	}
	tok, life := m.s.st.issue(MoneyGo, id, b.Scope, "Bearer")
	ri.outcome.issued = true
	return genmoneygo.CreateToken200JSONResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: float64(seconds(life))}, nil
}

// ---- MoneyKit ----

type moneykitServer struct{ s *Server }

func moneykitError(status int, code, msg string) genmoneykit.CreateTokenResponseObject {
	if status == 400 {
		return genmoneykit.CreateToken400JSONResponse{ErrorCode: &code, ErrorMessage: msg, DocumentationURL: new(docURL)}
	}
	return genmoneykit.CreateToken401JSONResponse{ErrorCode: &code, ErrorMessage: msg, DocumentationURL: new(docURL)}
}

func (m moneykitServer) CreateToken(ctx context.Context, req genmoneykit.CreateTokenRequestObject) (genmoneykit.CreateTokenResponseObject, error) {
	ri, b := info(ctx), req.Body
	if b == nil {
		return moneykitError(400, "api_error.auth.unauthorized", "missing form body"), nil
	}
	id, secret, basic, ok := clientCredentials(ri, b.ClientID, b.ClientSecret)
	if !ok {
		return moneykitError(400, "api_error.auth.unauthorized", "client credentials in the Basic header and the body differ"), nil
	}
	cid, ok := m.s.st.checkClient(MoneyKit, id, secret, basic)
	if !ok {
		return moneykitError(401, "api_error.auth.unauthorized", "Invalid client_id or client_secret"), nil
	}
	tok, life := m.s.st.issue(MoneyKit, cid, deref(b.Scope), "bearer")
	ri.outcome.issued = true
	return genmoneykit.CreateToken201JSONResponse{AccessToken: tok, TokenType: "bearer", ExpiresIn: seconds(life)}, nil
}

// ---- Moov ----

type moovServer struct{ s *Server }

func moovError(code string) genmoov.CreateTokenResponseObject {
	var r genmoov.CreateToken400JSONResponse
	r.Body.Error = code
	return r
}

// CreateToken answers Moov's two grants. Wrong credentials get invalid_client: 401 when they
// came in a Basic header (RFC 6749 §5.2 requires it), else 400, the status Moov documents; a
// bad refresh token 400 invalid_grant.
// The answer mirrors the request: form in, form out.
func (m moovServer) CreateToken(ctx context.Context, req genmoov.CreateTokenRequestObject) (genmoov.CreateTokenResponseObject, error) {
	ri := info(ctx)
	b := req.JSONBody
	if b == nil {
		b = req.FormdataBody
	}
	if b == nil {
		return moovError("invalid_request"), nil
	}
	id, secret, basic, ok := clientCredentials(ri, b.ClientID, b.ClientSecret)
	if !ok {
		return moovError("invalid_request"), nil
	}
	cid, ok := m.s.st.checkClient(Moov, id, secret, basic)
	if !ok && basic {
		// RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401
		// (the WWW-Authenticate challenge is added for every 401 on the way out).
		var r genmoov.CreateToken401JSONResponse
		r.Body.Error = "invalid_client"
		return r, nil
	}
	if !ok {
		return moovError("invalid_client"), nil
	}
	scope := deref(b.Scope)
	if b.GrantType == genmoov.TokenRequestGrantTypeRefreshToken {
		if deref(b.RefreshToken) == "" {
			return moovError("invalid_request"), nil
		}
		granted, err := m.s.st.useRefresh(Moov, cid, *b.RefreshToken, scope)
		switch {
		case errors.Is(err, errWiderScope):
			return moovError("invalid_scope"), nil
		case err != nil:
			return moovError("invalid_grant"), nil
		}
		scope = granted
	}
	tok, life, now := m.s.st.issueFormat(Moov, cid, scope, m.s.cfg.moovTokenType(), m.s.cfg.moovType == "jwt")
	rt := m.s.st.newRefresh(Moov, cid, scope)
	ri.outcome.issued = true
	resp := genmoov.TokenResponse{
		AccessToken:  tok,
		ExpiresIn:    m.s.cfg.moovExpiresIn(now, life),
		RefreshToken: &rt,
		TokenType:    genmoov.TokenResponseTokenType(m.s.cfg.moovTokenType()),
	}
	if scope != "" {
		resp.Scope = &scope
	}
	if ri.formAnswer {
		return genmoov.CreateToken200FormdataResponse{Body: resp}, nil
	}
	return genmoov.CreateToken200JSONResponse{Body: resp}, nil
}

// subset reports whether every space-separated scope in want is in have.
func subset(want, have string) bool {
	hs := map[string]bool{}
	for s := range strings.FieldsSeq(have) {
		hs[s] = true
	}
	for s := range strings.FieldsSeq(want) {
		if !hs[s] {
			return false
		}
	}
	return true
}

// ---- MobiFinance ----

type mobifinanceServer struct{ s *Server }

func (m mobifinanceServer) CreateToken(ctx context.Context, req genmobifinance.CreateTokenRequestObject) (genmobifinance.CreateTokenResponseObject, error) {
	ri, b := info(ctx), req.Body
	if b == nil {
		return genmobifinance.CreateToken400JSONResponse{Error: "invalid_request", ErrorDescription: new("Bad request")}, nil
	}
	cid, ok := m.s.st.checkClient(MobiFinance, b.ClientID, b.ClientSecret, false)
	if !ok {
		return genmobifinance.CreateToken401JSONResponse{Error: "unauthorized_client", ErrorDescription: new("Invalid client_id or client_secret")}, nil
	}
	code, why := m.s.st.redeem(cid, b.Code, b.RedirectURI)
	if code == nil {
		return genmobifinance.CreateToken403JSONResponse{Error: "invalid_grant", ErrorDescription: new(why)}, nil
	}
	tok, life := m.s.st.issue(MobiFinance, cid, "", "Bearer")
	m.s.st.bindCodeToken(code, tok)
	rt := randomToken()
	ri.outcome.issued = true
	resp := genmobifinance.CreateToken200JSONResponse{AccessToken: tok, TokenType: "Bearer", RefreshToken: &rt}
	// A permanent token has no expires_in rather than 0, which RFC 6749 §5.1 clients read as
	// "expired now" (oauthlib, simple-oauth2, openid-client all do); the spec makes it optional.
	if life > 0 {
		resp.ExpiresIn = new(seconds(life))
	}
	return resp, nil
}
