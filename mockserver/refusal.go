package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A refusal is the mock's answer to a request it will not handle for what it is rather
// than what it says: a body over the limit (413, RFC 9110 §15.5.14), headers over the limit
// (431, RFC 6585 §5), a request not received in time (408), a request net/http cannot parse
// (400, 501, 505). It comes in the error shape of the provider whose path was asked
// (MoneyKit {error_code, error_message, documentation_url}, Moov {"error"}, Money-Go and
// MobiFinance {error, error_description}), {error, error_description} elsewhere, always
// with Connection: close, since the rest of what the client sends cannot be trusted.

// providerForPath is the provider a path belongs to: its token path at the root, or
// anything under /{provider}/.
func providerForPath(path string) (Provider, bool) {
	for _, p := range Providers() {
		if path == p.TokenPath() || strings.HasPrefix(path, "/"+string(p)+"/") {
			return p, true
		}
	}
	return "", false
}

// refusalBody is the provider's error body for a refusal.
func refusalBody(p Provider, found bool, desc string) []byte {
	var v any = oauthError{"invalid_request", desc}
	switch {
	case !found:
	case p == MoneyKit:
		// The one code MoneyKit documents, which the mock answers all its 4xx with.
		v = map[string]string{"error_code": "api_error.auth.unauthorized", "error_message": desc, "documentation_url": docURL}
	case p == Moov:
		v = map[string]string{"error": "invalid_request"}
	}
	b, _ := json.Marshal(v)
	return append(b, '\n')
}

// refusalHeaders are the headers of a refusal: a token path's answer carries those of
// every token answer.
func refusalHeaders(h http.Header, found bool) {
	if found {
		tokenHeaders(h)
	} else {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Content-Type", "application/json")
	h.Set("Connection", "close")
}

// refuse answers a request a handler has with a refusal, and counts it as a token error
// when it was a token request.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, desc string) {
	p, found := providerForPath(r.URL.Path)
	if found {
		s.st.count(p, func(c *Counts) { c.TokenErrors++ })
	}
	refusalHeaders(w.Header(), found)
	w.WriteHeader(status)
	_, _ = w.Write(refusalBody(p, found, desc))
}

// rawRefusal is a whole HTTP/1.1 answer, for a connection no handler has.
func (s *Server) rawRefusal(path string, status int, desc string) []byte {
	p, found := providerForPath(path)
	if found && (path == p.TokenPath() || path == "/"+string(p)+p.TokenPath()) {
		s.st.count(p, func(c *Counts) { c.TokenRequests++; c.TokenErrors++ })
	}
	body := refusalBody(p, found, desc)
	h := http.Header{}
	refusalHeaders(h, found)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP/1.1 %03d %s\r\n", status, http.StatusText(status))
	_ = h.Write(&buf)
	buf.WriteString("\r\n")
	buf.Write(body)
	return buf.Bytes()
}

// errorHeaders is what net/http writes after the status line of most of its own plain-text
// refusals.
const errorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// plainRefusal recognizes one of net/http's own refusals and says what it refuses. Before a
// handler has a request, whatever net/http writes is one: the plain-text ones above, and
// the empty 417 (an Expect other than 100-continue) and 400 (an HTTP/2 preface) answers.
func (c *shapedConn) plainRefusal(b []byte) (status int, desc string, ok bool) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 ")) || len(b) < len("HTTP/1.1 000") {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(b[9:12]))
	if err != nil || status < 400 {
		return 0, "", false
	}
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		desc = "the request's line and headers exceed " + strconv.Itoa(c.s.cfg.limits.MaxHeaderBytes) + " bytes"
	case http.StatusNotImplemented:
		desc = "unsupported transfer encoding"
	case http.StatusExpectationFailed:
		desc = "the only expectation supported is Expect: 100-continue"
	default:
		// "400 Bad Request: missing required Host header", or a bare "400 Bad Request".
		if line, _, found := bytes.Cut(b, []byte(errorHeaders)); found {
			_, text, _ := bytes.Cut(line, []byte(": "))
			desc = strings.TrimSpace(string(text))
		}
		if desc == "" {
			desc = "the request is malformed"
		}
	}
	return status, desc, true
}

// refuseLocked writes a refusal in the error shape of the request's provider, once, and
// leaves the connection to close.
func (c *shapedConn) refuseLocked(status int, desc string) {
	if c.answered {
		return
	}
	c.answered = true
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Conn.Write(c.s.rawRefusal(requestPath(c.head), status, desc))
}

// requestPath is the path of a request from its first bytes ("" if they do not show it).
func requestPath(head []byte) string {
	head = bytes.TrimLeft(head, "\r\n")
	_, rest, ok := bytes.Cut(head, []byte(" "))
	if !ok {
		return ""
	}
	target := string(rest)
	if i := strings.IndexAny(target, " ?#\r\n"); i >= 0 {
		target = target[:i]
	}
	// absolute-form (RFC 9112 §3.2.2): http://host/path
	if scheme, after, ok := strings.Cut(target, "://"); ok && !strings.Contains(scheme, "/") {
		target = "/"
		if i := strings.IndexByte(after, '/'); i >= 0 {
			target = after[i:]
		}
	}
	return target
}
