package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// ControlPrefix is where the control API lives: the Server's methods over HTTP, for tests
// written in other languages against `paytoken mock`. Never expose the mock beyond loopback.
//
//	GET    /_mock/                          what is served, with the demo clients
//	POST   /_mock/{provider}/clients        {"client_id": "…", "client_secret": "…"}   → 204
//	POST   /_mock/{provider}/faults         a Fault as JSON (Fault.UnmarshalJSON)       → 204
//	DELETE /_mock/{provider}/faults                                                    → 204
//	POST   /_mock/{provider}/expire         every token of the provider expires        → 204
//	POST   /_mock/mobifinance/codes         {"client_id": "…", "redirect_uri": "…"}    → 201 {"code": "…"}
//	GET    /_mock/counts                    {"moov": Counts, …}
//	DELETE /_mock/counts                    reset the counts                           → 204
//
// Bodies are JSON (or, for clients and codes, form-encoded), whatever the Content-Type says. Errors are 400/404 with
// {"error": "…"}; 409 when a provider already has Limits.MaxEntries clients or queued faults.
const ControlPrefix = "/_mock/"

// Index is the control API's GET /_mock/ answer.
type Index struct {
	Providers []IndexEntry `json:"providers"`
	Protected string       `json:"protected"`
}

// IndexEntry describes one provider in the Index.
type IndexEntry struct {
	Provider     Provider `json:"provider"`
	TokenPath    string   `json:"token_path"`
	DemoClientID string   `json:"demo_client_id,omitempty"`
	DemoSecret   string   `json:"demo_client_secret,omitempty"`
	// LifetimeSeconds is the token lifetime, sent as expires_in; 0: permanent.
	LifetimeSeconds int64 `json:"token_lifetime_seconds"`
}

// Index describes the mock: each provider's token path, demo client and token lifetime.
func (s *Server) Index() Index {
	ix := Index{Protected: ProtectedPath}
	for _, p := range Providers() {
		e := IndexEntry{Provider: p, TokenPath: p.TokenPath(), LifetimeSeconds: int64(s.cfg.lifetimes[p] / time.Second)}
		if !s.cfg.noDemo {
			e.DemoClientID, e.DemoSecret = DemoClientID(p), DemoClientSecret(p)
		}
		ix.Providers = append(ix.Providers, e)
	}
	return ix
}

func (s *Server) mountControl(mux *http.ServeMux) {
	bad := func(w http.ResponseWriter, status int, err error) {
		writeJSON(w, status, map[string]string{"error": err.Error()})
	}
	provider := func(w http.ResponseWriter, r *http.Request) (Provider, bool) {
		p, err := ParseProvider(r.PathValue("provider"))
		if err != nil {
			bad(w, http.StatusNotFound, err)
			return "", false
		}
		return p, true
	}
	mux.HandleFunc("GET "+ControlPrefix+"{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Index())
	})
	mux.HandleFunc("POST "+ControlPrefix+"{provider}/clients", func(w http.ResponseWriter, r *http.Request) {
		p, ok := provider(w, r)
		if !ok {
			return
		}
		v, err := params(r)
		if err != nil {
			bad(w, http.StatusBadRequest, err)
			return
		}
		id, secret := v.Get("client_id"), v.Get("client_secret")
		if id == "" || secret == "" {
			bad(w, http.StatusBadRequest, fmt.Errorf("client_id and client_secret are required"))
			return
		}
		if err := s.addClientBounded(p, id, secret); err != nil {
			bad(w, http.StatusConflict, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+ControlPrefix+"{provider}/faults", func(w http.ResponseWriter, r *http.Request) {
		p, ok := provider(w, r)
		if !ok {
			return
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		var f Fault
		err := dec.Decode(&f)
		if err == nil {
			err = f.Validate()
		}
		if err != nil {
			bad(w, http.StatusBadRequest, fmt.Errorf("fault: %w", err))
			return
		}
		if err := s.injectFaultBounded(p, f); err != nil {
			bad(w, http.StatusConflict, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE "+ControlPrefix+"{provider}/faults", func(w http.ResponseWriter, r *http.Request) {
		if p, ok := provider(w, r); ok {
			s.ClearFaults(p)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST "+ControlPrefix+"{provider}/expire", func(w http.ResponseWriter, r *http.Request) {
		if p, ok := provider(w, r); ok {
			s.ExpireTokens(p)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST "+ControlPrefix+"mobifinance/codes", func(w http.ResponseWriter, r *http.Request) {
		v, err := params(r)
		if err != nil {
			bad(w, http.StatusBadRequest, err)
			return
		}
		code, err := s.IssueCode(v.Get("client_id"), v.Get("redirect_uri"))
		if err != nil {
			bad(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"code": code})
	})
	mux.HandleFunc("GET "+ControlPrefix+"counts", func(w http.ResponseWriter, r *http.Request) {
		out := map[Provider]Counts{}
		for _, p := range Providers() {
			out[p] = s.Counts(p)
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("DELETE "+ControlPrefix+"counts", func(w http.ResponseWriter, r *http.Request) {
		s.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	})
}

// params reads a small JSON object of strings or a form body. A body that starts with "{" is
// JSON whatever its Content-Type, since curl -d labels everything as a form.
func params(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return url.ParseQuery(string(body))
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("want a JSON object of strings or a form body: %w", err)
	}
	v := url.Values{}
	for k, s := range m {
		v.Set(k, s)
	}
	return v, nil
}
