package mockserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault is a misbehaviour the mock shows on a provider's token endpoint, injected with
// [Server.InjectFault]. Set one kind (Status, Drop, Malformed, Oversized or EmptyToken),
// optionally with a Delay, or a Delay alone for a slow but otherwise normal answer.
type Fault struct {
	// Status answers with this HTTP status instead of handling the request. The body is the
	// provider's documented error body for the status (Moov {"error":"…"}, MoneyKit
	// {error_code, error_message, documentation_url}, MobiFinance {error, error_description},
	// Money-Go {error, error_description}) unless Body is set.
	Status int `json:"status,omitempty"`
	// RetryAfter is sent as the Retry-After header: seconds ("2") or an HTTP-date.
	RetryAfter string `json:"retry_after,omitempty"`
	// RetryIn is sent as the X-Retry-In header (milliseconds), as Moov's older documents do.
	RetryIn string `json:"retry_in,omitempty"`
	// Location is sent as the Location header, with a 3xx Status to test redirects.
	Location string `json:"location,omitempty"`
	// Body, with ContentType (default application/json), replaces the provider's error body
	// of a Status fault: an HTML gateway page, say.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"content_type,omitempty"`

	// Delay waits this long before answering (or before handling the request, when the
	// fault has no other kind). The wait ends early when the client gives up or the server
	// closes; a Delay of the server's write timeout (Limits.WriteTimeout) or more ends at it
	// with the connection closed and no answer.
	Delay time.Duration `json:"-"`

	// Drop hijacks the connection and closes it without an answer.
	Drop bool `json:"drop,omitempty"`
	// Malformed answers with the provider's success status and a truncated JSON body.
	Malformed bool `json:"malformed,omitempty"`
	// Oversized answers with the provider's success status and a body of OversizedBodySize
	// bytes (a JSON object padded before its access_token).
	Oversized bool `json:"oversized,omitempty"`
	// EmptyToken answers with the provider's success status and a well-formed token response
	// whose access_token is "".
	EmptyToken bool `json:"empty_token,omitempty"`

	// AfterHandling handles the request first, as if there were no fault (the token is
	// issued, a MobiFinance code is spent), then answers with the fault instead: the case of
	// an answer lost after the provider acted, where a client that sends the request again
	// will find its code used.
	AfterHandling bool `json:"after_handling,omitempty"`

	// Times is how many token requests the fault applies to; 0 means every request until
	// [Server.ClearFaults].
	Times int `json:"times,omitempty"`
}

// faultFields is Fault without its methods, for its JSON form.
type faultFields Fault

// faultJSON is Fault's JSON form: its fields under their tags, Delay as a Go
// duration ("1.5s") instead of nanoseconds.
type faultJSON struct {
	*faultFields
	Delay string `json:"delay,omitempty"`
}

// MarshalJSON writes the fault as the control API reads it (see UnmarshalJSON).
func (f Fault) MarshalJSON() ([]byte, error) {
	w := faultJSON{faultFields: (*faultFields)(&f)}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a fault as the control API's POST /_mock/{provider}/faults
// carries it: the fields in snake_case ("status", "retry_after", "retry_in",
// "location", "body", "content_type", "delay", "drop", "malformed", "oversized",
// "empty_token", "after_handling", "times"), Delay as a Go duration ("1.5s"). A field
// it does not know is an error, so that a misspelt one cannot pass for a fault the
// test did not mean. It does not Validate.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var g Fault
	w := faultJSON{faultFields: (*faultFields)(&g)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return fmt.Errorf("delay: %w", err)
		}
		g.Delay = d
	}
	*f = g
	return nil
}

// OversizedBodySize is the size of the body of an Oversized fault: 10 MiB.
const OversizedBodySize = 10 << 20

func (f Fault) kinds() int {
	n := 0
	for _, b := range []bool{f.Status != 0, f.Drop, f.Malformed, f.Oversized, f.EmptyToken} {
		if b {
			n++
		}
	}
	return n
}

// Validate reports what is wrong with the fault, if anything.
func (f Fault) Validate() error {
	switch {
	case f.kinds() > 1:
		return errors.New("a fault has one kind: Status, Drop, Malformed, Oversized or EmptyToken")
	case f.kinds() == 0 && f.Delay <= 0:
		return errors.New("an empty fault: set a kind (Status, Drop, Malformed, Oversized, EmptyToken) or a Delay")
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("status %d is not a final HTTP status (200-599)", f.Status)
	case f.Delay < 0:
		return errors.New("negative Delay")
	case f.Times < 0:
		return errors.New("negative Times")
	case f.Status == 0 && (f.RetryAfter != "" || f.RetryIn != "" || f.Location != "" || f.Body != "" || f.ContentType != ""):
		return errors.New("RetryAfter, RetryIn, Location, Body and ContentType go with a Status")
	case f.AfterHandling && f.kinds() == 0:
		return errors.New("AfterHandling needs a fault kind to answer with")
	case strings.ContainsAny(f.RetryAfter+f.RetryIn+f.Location+f.ContentType, "\r\n"):
		return errors.New("header values must not contain line breaks")
	}
	return nil
}

type faultEntry struct {
	f         Fault
	remaining int // 0: until cleared
}

// InjectFault queues a fault on the provider's token endpoint. Faults apply in the order
// they were injected: each token request takes the first one in the queue, which leaves it
// when its Times are used up (a fault with Times 0 stays until [Server.ClearFaults], so
// nothing queued behind it ever applies). It panics on an invalid Fault (see
// [Fault.Validate]) or provider.
//
//	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 429, RetryAfter: "2", Times: 1})
func (s *Server) InjectFault(p Provider, f Fault) {
	mustProvider(p)
	if err := f.Validate(); err != nil {
		panic("mockserver: InjectFault: " + err.Error())
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.faults[p] = append(s.st.faults[p], &faultEntry{f: f, remaining: f.Times})
}

// ClearFaults removes every fault queued for the provider, or for all providers when no
// provider is given.
func (s *Server) ClearFaults(ps ...Provider) {
	if len(ps) == 0 {
		ps = Providers()
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, p := range ps {
		mustProvider(p)
		delete(s.st.faults, p)
	}
}

// PendingFaults is how many faults are queued for the provider.
func (s *Server) PendingFaults(p Provider) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return len(s.st.faults[p])
}

func (st *state) takeFault(p Provider) (Fault, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	q := st.faults[p]
	if len(q) == 0 {
		return Fault{}, false
	}
	e := q[0]
	if e.remaining > 0 {
		e.remaining--
		if e.remaining == 0 {
			st.faults[p] = q[1:]
		}
	}
	return e.f, true
}

// wait sleeps for d unless the request's context ends, the server closes or the write
// timeout (Limits.WriteTimeout) comes first; it reports whether the whole delay passed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	limit := s.cfg.limits.WriteTimeout
	t := time.NewTimer(min(d, limit))
	defer t.Stop()
	select {
	case <-t.C:
		return d < limit
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// serveFault answers with the fault's kind. The fault has a kind (not a bare delay).
func (s *Server) serveFault(w http.ResponseWriter, p Provider, f Fault) {
	h := w.Header()
	switch {
	case f.Drop:
		drop(w)
	case f.Status != 0:
		if f.RetryAfter != "" {
			h.Set("Retry-After", f.RetryAfter)
		}
		if f.RetryIn != "" {
			h.Set("X-Retry-In", f.RetryIn)
		}
		if f.Location != "" {
			h.Set("Location", f.Location)
		}
		body := []byte(f.Body)
		ct := f.ContentType
		if f.Body == "" {
			body = errorBody(p, f.Status)
		}
		if ct == "" {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		_, _ = w.Write(body)
	case f.Malformed:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(p.successStatus())
		_, _ = w.Write([]byte(`{"access_token":"` + randomToken()[:16] + `","token_type":`))
	case f.Oversized:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(p.successStatus())
		writeOversized(w)
	case f.EmptyToken:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(p.successStatus())
		_, _ = w.Write(emptyTokenBody(p))
	}
}

// drop closes the connection without a byte of answer.
func drop(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection, and logs nothing
	}
	_ = conn.Close()
}

func writeOversized(w http.ResponseWriter) {
	head := `{"padding":"`
	tail := `","access_token":"` + randomToken() + `","token_type":"Bearer","expires_in":3600}`
	pad := OversizedBodySize - len(head) - len(tail)
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(head)
	chunk := strings.Repeat("x", 64<<10)
	for pad > 0 {
		n := min(pad, len(chunk))
		if _, err := bw.WriteString(chunk[:n]); err != nil {
			return // the client stopped reading: fine
		}
		pad -= n
	}
	_, _ = bw.WriteString(tail)
	_ = bw.Flush()
}

func emptyTokenBody(p Provider) []byte {
	var v map[string]any
	switch p {
	case MoneyGo:
		v = map[string]any{"token_type": "Bearer", "expires_in": 2592000, "access_token": ""}
	case MoneyKit:
		v = map[string]any{"access_token": "", "token_type": "bearer", "expires_in": 3600}
	case Moov:
		v = map[string]any{"access_token": "", "expires_in": 900, "token_type": "opaque"}
	default:
		v = map[string]any{"access_token": "", "token_type": "Bearer", "expires_in": 0}
	}
	b, _ := json.Marshal(v)
	return b
}

// oauthCode is the RFC 6749 style code the mock answers a status with.
func oauthCode(p Provider, status int) string {
	switch {
	case status == 400:
		return "invalid_request"
	case status == 401 && p == MobiFinance:
		return "unauthorized_client"
	case status == 401:
		return "invalid_client"
	case status == 403:
		return "invalid_grant"
	case status == 415:
		return "unsupported_grant_type"
	case status == 429:
		return "rate_limit_exceeded"
	case status == 503:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	}
	return "error"
}

// errorBody is the provider's error body for a status, in the provider's documented shape.
func errorBody(p Provider, status int) []byte {
	desc := http.StatusText(status)
	var v any
	switch p {
	case MoneyKit:
		code := "api_error.auth.unauthorized"
		switch {
		case status == 429:
			code = "api_error.rate_limit_exceeded"
		case status >= 500:
			code = "api_error.internal_server_error"
		}
		v = map[string]string{"error_code": code, "error_message": desc, "documentation_url": docURL}
	case Moov:
		v = map[string]string{"error": oauthCode(p, status)}
		if status == http.StatusUnprocessableEntity {
			// Moov's 422 is keyed by the fields that failed validation, with no error key.
			v = map[string]string{"scope": "is required when grant_type is client_credentials"}
		}
	default:
		v = map[string]string{"error": oauthCode(p, status), "error_description": desc}
	}
	b, _ := json.Marshal(v)
	return b
}

const docURL = "https://docs.moneykit.com/"
