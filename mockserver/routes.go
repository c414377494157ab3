package mockserver

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	genmobifinance "github.com/paytoken/paytoken/gen/mobifinance"
	genmoneygo "github.com/paytoken/paytoken/gen/moneygo"
	genmoneykit "github.com/paytoken/paytoken/gen/moneykit"
	genmoov "github.com/paytoken/paytoken/gen/moov"
)

// ProtectedPath is the path of the shared protected endpoint. Each provider also has its own
// at /{provider}/protected (say /moov/protected), which accepts only that provider's tokens.
const ProtectedPath = "/protected"

// routes mounts each provider's generated strict server at the root and under
// /{provider}, the protected endpoints and the control API.
func (s *Server) routes() http.Handler {
	if _, err := routes(); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	for _, p := range Providers() {
		for _, base := range []string{"", "/" + string(p)} {
			s.mountToken(mux, p, base)
		}
		var protected http.Handler = s.protected(p)
		if p == Moov && s.cfg.moovAPI == MoovCurrent {
			protected = withRequestID(protected)
		}
		mux.Handle("/"+string(p)+ProtectedPath, protected)
	}
	mux.Handle(ProtectedPath, s.protected(""))
	s.mountControl(mux)
	h := jsonMuxErrors(mux)
	if !s.cfg.logging {
		return h
	}
	return s.logRequests(h)
}

func (s *Server) mountToken(mux *http.ServeMux, p Provider, base string) {
	reqErr := func(w http.ResponseWriter, r *http.Request, err error) {
		s.answer(w, p, invalidRequest(p, "the request body cannot be decoded"))
	}
	respErr := func(w http.ResponseWriter, r *http.Request, err error) {
		s.cfg.logger.Warn("mockserver: answering", "provider", p, "err", err)
	}
	mw := s.tokenMiddleware(p)
	switch p {
	case MoneyGo:
		si := genmoneygo.NewStrictHandlerWithOptions(moneygoServer{s}, nil, genmoneygo.StrictHTTPServerOptions{RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr})
		genmoneygo.HandlerWithOptions(si, genmoneygo.StdHTTPServerOptions{BaseURL: base, BaseRouter: mux, Middlewares: []genmoneygo.MiddlewareFunc{mw}})
	case MoneyKit:
		si := genmoneykit.NewStrictHandlerWithOptions(moneykitServer{s}, nil, genmoneykit.StrictHTTPServerOptions{RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr})
		genmoneykit.HandlerWithOptions(si, genmoneykit.StdHTTPServerOptions{BaseURL: base, BaseRouter: mux, Middlewares: []genmoneykit.MiddlewareFunc{mw}})
	case Moov:
		si := genmoov.NewStrictHandlerWithOptions(moovServer{s}, nil, genmoov.StrictHTTPServerOptions{RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr})
		genmoov.HandlerWithOptions(si, genmoov.StdHTTPServerOptions{BaseURL: base, BaseRouter: mux, Middlewares: []genmoov.MiddlewareFunc{mw}})
	case MobiFinance:
		si := genmobifinance.NewStrictHandlerWithOptions(mobifinanceServer{s}, nil, genmobifinance.StrictHTTPServerOptions{RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr})
		genmobifinance.HandlerWithOptions(si, genmobifinance.StdHTTPServerOptions{BaseURL: base, BaseRouter: mux, Middlewares: []genmobifinance.MiddlewareFunc{mw}})
	}
	// The generated router registers "POST <path>"; every other method on the same path
	// (HEAD and OPTIONS included) comes here rather than to net/http's plain-text 405.
	mux.Handle(base+p.TokenPath(), s.tokenOtherMethod(p))
}

// tokenOtherMethod answers a token path asked with a method other than POST, a request the
// provider's spec rejects: 405 with Allow: POST, the headers of every token answer, and the
// body of the provider's documented 400 (invalidRequest) under the 405 status. It counts as a
// token request the mock refused; injected faults are left for the POSTs they were queued for.
func (s *Server) tokenOtherMethod(p Provider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.st.count(p, func(c *Counts) { c.TokenRequests++; c.TokenErrors++ })
		tokenHeaders(w.Header())
		w.Header().Set("Allow", http.MethodPost)
		rw := &reStatus{ResponseWriter: w, status: http.StatusMethodNotAllowed, noBody: r.Method == http.MethodHead}
		s.answer(rw, p, invalidRequest(p, "the token endpoint accepts only POST"))
	}
}

// reStatus writes a generated response object under another status (and, for HEAD, without
// its body), so the provider's documented error bodies serve statuses their specs omit.
type reStatus struct {
	http.ResponseWriter
	status int
	noBody bool
}

func (w *reStatus) WriteHeader(int) { w.ResponseWriter.WriteHeader(w.status) }

func (w *reStatus) Write(b []byte) (int, error) {
	if w.noBody {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// jsonMuxErrors turns the mux's own plain-text answers for requests no pattern serves, 404
// for an unknown path and 405 for a known path asked with the wrong method (the control
// API's), into JSON {"error": …, "error_description": …}. Everything else passes through.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI == "*" {
			// An HTTP/2 preface sent over HTTP/1 (or any method but OPTIONS on *): the mux
			// would answer an empty 400.
			w.Header().Set("Connection", "close")
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the request target * names no endpoint; the mock speaks HTTP/1.1"})
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // sets the path values that Handler does not
			return
		}
		// No pattern: net/http's 404 or 405, or a redirect to the cleaned path.
		rec := &headerRecorder{h: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusNotFound:
			writeJSON(w, http.StatusNotFound, oauthError{"not_found", "no endpoint at this path; GET " + ControlPrefix + " lists them"})
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.h.Get("Allow"))
			writeJSON(w, http.StatusMethodNotAllowed, oauthError{"method_not_allowed", "allowed: " + rec.h.Get("Allow")})
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

// headerRecorder keeps the status and headers a handler answers with, and drops its body.
type headerRecorder struct {
	h      http.Header
	status int
}

func (w *headerRecorder) Header() http.Header { return w.h }

func (w *headerRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *headerRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

// ProtectedAnswer is the protected endpoint's 200 body.
type ProtectedAnswer struct {
	OK        bool       `json:"ok"`
	Provider  Provider   `json:"provider"`
	ClientID  string     `json:"client_id"`
	Scope     string     `json:"scope,omitempty"`
	TokenType string     `json:"token_type"`           // as the token endpoint answered it
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // absent for permanent tokens
}

// protected answers 200 with a ProtectedAnswer for Authorization: Bearer <token> where the
// token is one the mock issued, unexpired and unrevoked (owner's only, when owner is set);
// anything else is 401 with WWW-Authenticate. Only the Bearer scheme counts, whatever the
// token_type was: Moov's "opaque" sent as a scheme is refused, as Moov's API refuses it.
func (s *Server) protected(owner Provider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		tok = strings.TrimSpace(tok)
		attributed := owner
		fail := func(code, desc string, moneykitCode string) {
			s.st.count(attributed, func(c *Counts) { c.ProtectedRequests++; c.ProtectedRejected++ })
			h := `Bearer realm="paytoken-mock"`
			if code != "" {
				h += `, error="` + code + `"`
			}
			w.Header().Set("WWW-Authenticate", h)
			var body any = oauthError{Error: code, ErrorDescription: desc}
			if code == "" {
				body = oauthError{Error: "invalid_request", ErrorDescription: desc}
			}
			if attributed == MoneyKit {
				body = map[string]string{"error_code": moneykitCode, "error_message": desc, "documentation_url": docURL}
			}
			writeJSON(w, http.StatusUnauthorized, body)
		}
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			fail("", "send the access token as Authorization: Bearer <token>", "api_error.auth.unauthorized")
			return
		}
		t, ok := s.st.lookup(tok)
		if !ok {
			fail("invalid_token", "the access token is unknown", "api_error.auth.unauthorized")
			return
		}
		if owner == "" {
			attributed = t.provider
		}
		switch {
		case owner != "" && t.provider != owner:
			fail("invalid_token", "the access token was issued by another provider", "api_error.auth.unauthorized")
			return
		case t.revoked:
			fail("invalid_token", "the access token was revoked", "api_error.auth.unauthorized")
			return
		case !t.expires.IsZero() && !s.st.cfg.now().Before(t.expires):
			fail("invalid_token", "the access token has expired", "api_error.auth.expired_access_token")
			return
		}
		s.st.count(attributed, func(c *Counts) { c.ProtectedRequests++ })
		a := ProtectedAnswer{OK: true, Provider: t.provider, ClientID: t.clientID, Scope: t.scope, TokenType: t.tokenTyp}
		if !t.expires.IsZero() {
			e := t.expires.UTC().Truncate(time.Second)
			a.ExpiresAt = &e
		}
		writeJSON(w, http.StatusOK, a)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// logRequests logs each answered request at info level.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status // 0: no answer (a dropped connection, or a client that left)
		s.cfg.logger.LogAttrs(r.Context(), slog.LevelInfo, "mockserver",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Duration("took", time.Since(start)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack and Flush.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
