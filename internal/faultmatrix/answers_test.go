package faultmatrix_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// accessToken is the token the n-th request gets: sentinel-based, so it is
// also checked for leaks, and numbered, so a test can tell which request
// it came from.
func (x *hostile) accessToken(n int) string { return fmt.Sprintf("%s-%d", x.s.access, n) }

// echo is what a reflecting server puts in its messages: the credentials
// the request carried. (Not the sentinel tokens: a server that writes a
// token in an error message it never issued as one leaks nothing the SDK
// could know; tokens are checked where the SDK received them, in 2xx
// bodies.)
func (x *call) echo() string {
	if !x.reflect {
		return ""
	}
	return fmt.Sprintf(" (you sent client_secret=%s code=%s)", x.gotSecret, x.gotCode)
}

// echoHeaders sets headers a reflecting server fills with credentials.
func (x *call) echoHeaders(w http.ResponseWriter) {
	if !x.reflect {
		return
	}
	h := w.Header()
	h.Set("X-Request-Id", x.gotSecret+":"+x.gotCode)
	h.Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+x.gotCode+`"`)
	h.Set("X-Debug-Secret", x.gotSecret+" "+x.gotCode)
}

// errorAnswer answers status with the provider's error body.
func (x *call) errorAnswer(w http.ResponseWriter, status int, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		w.Header().Set(header[i], header[i+1])
	}
	x.echoHeaders(w)
	desc := http.StatusText(status) + x.echo()
	b := x.p.errBody(x.p.errCode(status), desc)
	if x.reflect {
		b["access_token"] = x.s.access // some servers put odd things in error bodies
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(b))
}

// ok answers status with body as JSON.
func (x *call) ok(w http.ResponseWriter, status int, body map[string]any) {
	x.raw(w, status, "application/json", mustJSON(body))
}

// okWith answers the provider's success body changed by set (a nil value
// deletes the key).
func (x *call) okWith(w http.ResponseWriter, set map[string]any) {
	b := x.p.okBody(x.s.access, x.s.refresh)
	for k, v := range set {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	if x.reflect {
		b["error_description"] = strings.TrimSpace(x.echo())
	}
	x.ok(w, x.p.okStatus, b)
}

func (x *call) raw(w http.ResponseWriter, status int, contentType string, body []byte) {
	x.echoHeaders(w)
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// reset closes the connection with a TCP RST, after writing prefix (raw
// HTTP/1.1 bytes) if any.
func (x *call) reset(w http.ResponseWriter, prefix string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if prefix != "" {
		_, _ = buf.WriteString(prefix)
		_ = buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// hang keeps the request open until the client gives up or the test ends.
func (x *hostile) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-x.stop:
	}
}
