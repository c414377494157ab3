package mockserver_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/internal/testkit"
	"github.com/paytoken/paytoken/mockserver"
)

// shortLimits make the timeouts quick enough for a test, and long enough that a client on
// a loaded machine gets its request out before they pass.
var shortLimits = mockserver.Limits{
	ReadTimeout:   time.Second,
	WriteTimeout:  5 * time.Second,
	IdleTimeout:   time.Second,
	ShutdownGrace: 100 * time.Millisecond,
}

// rawExchange writes raw bytes on a new connection and reads one answer; the connection is
// given back so the caller can check it closes.
func rawExchange(t *testing.T, srv *mockserver.Server, raw string) (*http.Response, []byte, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	// Write while reading: a refusal may come before the request is all sent.
	go func() { _, _ = io.WriteString(conn, raw) }()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp, body, conn
}

// refusalCase is a request the mock refuses before any handler runs.
type refusalCase struct {
	name   string
	raw    string
	status int
	body   string // exact JSON
}

func TestRefusalsInTheProvidersShape(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, mockserver.WithLimits(shortLimits))
	big := strings.Repeat("a", 40<<10)
	huge := strings.Repeat("a", 2<<20) // over net/http's own 1 MiB default too
	cases := []refusalCase{
		{"headers over the limit, MoneyKit", "POST /auth/token HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431,
			`{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"the request's line and headers exceed 32768 bytes"}`},
		{"2 MiB of headers, Money-Go", "POST /token HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n", 431,
			`{"error":"invalid_request","error_description":"the request's line and headers exceed 32768 bytes"}`},
		{"headers over the limit, Moov under its prefix", "POST /moov/oauth2/token HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431,
			`{"error":"invalid_request"}`},
		{"headers over the limit, control API", "GET /_mock/ HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431,
			`{"error":"invalid_request","error_description":"the request's line and headers exceed 32768 bytes"}`},
		{"declared body over the limit, MobiFinance", "POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n", 413,
			`{"error":"invalid_request","error_description":"request body larger than 65536 bytes"}`},
		{"chunked body over the limit, MoneyKit", "POST /auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" + strings.Repeat("a", 0x10000) + "\r\n10\r\n" + strings.Repeat("a", 16) + "\r\n0\r\n\r\n", 413,
			`{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"request body larger than 65536 bytes"}`},
		{"body that never ends, Moov", "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"grant", 408,
			`{"error":"invalid_request"}`},
		{"headers that never end, MobiFinance", "POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Ty", 408,
			`{"error":"invalid_request","error_description":"the request's headers did not arrive within the read timeout"}`},
		{"an invalid header name, Money-Go", "POST /token HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400,
			`{"error":"invalid_request","error_description":"invalid header name"}`},
		{"no Host, MoneyKit", "POST /auth/token HTTP/1.1\r\n\r\n", 400,
			`{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"missing required Host header"}`},
		{"an expectation other than 100-continue, MobiFinance", "POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nContent-Length: 2\r\n\r\n{}", 417,
			`{"error":"invalid_request","error_description":"the only expectation supported is Expect: 100-continue"}`},
		{"an HTTP/2 preface over HTTP/1, no provider", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400,
			`{"error":"invalid_request","error_description":"the request target * names no endpoint; the mock speaks HTTP/1.1"}`},
		{"HTTP/2.0 on HTTP/1, Money-Go", "POST /token HTTP/2.0\r\nHost: x\r\n\r\n", 505,
			`{"error":"invalid_request","error_description":"unsupported protocol version"}`},
		{"unknown transfer coding, Moov", "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", 501,
			`{"error":"invalid_request"}`},
	}
	// All at once: each waits for the mock to close its connection, which
	// net/http does a while after the refusal, and two read timeouts pass.
	testkit.RunConcurrently(t, 0, cases, func(tc refusalCase) string { return tc.name }, func(t *testing.T, tc refusalCase) {
		resp, body, conn := rawExchange(t, srv, tc.raw)
		assert.Equal(t, tc.status, resp.StatusCode)
		assert.JSONEq(t, tc.body, string(body))
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		assert.True(t, resp.Close, "Connection: close")
		if !strings.HasPrefix(tc.raw, "GET /_mock/") && !strings.HasPrefix(tc.raw, "PRI") {
			assert.Regexp(t, requestIDPattern, resp.Header.Get("X-Request-Id"), "a token answer's headers")
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(make([]byte, 1))
		assert.Zero(t, n)
		assert.Error(t, err, "the mock closes the connection after a refusal")
	})
}

// A refused token request counts as a token error of its provider.
func TestRefusalsCount(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, mockserver.WithLimits(shortLimits))
	rawExchange(t, srv, "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 40<<10)+"\r\n\r\n")
	rawExchange(t, srv, "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n")
	rawExchange(t, srv, "GET /moov/protected HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 40<<10)+"\r\n\r\n") // not a token request
	c := srv.Counts(mockserver.Moov)
	assert.Equal(t, mockserver.Counts{TokenRequests: 2, TokenErrors: 2}, c)
}

// socketsOn is how many of this process's open files are TCP sockets with
// port at either end: the mock's listener, the mock's ends of its
// connections and the clients' ends. Other tests' sockets (some still
// closing when a test starts) are not counted, so the count is exact.
func socketsOn(t *testing.T, port string) int {
	t.Helper()
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[9] == "0" { // the header; TIME_WAIT has no file
				continue
			}
			if hexPort(fs[1]) == port || hexPort(fs[2]) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil || len(inodes) == 0 {
		t.Skip("no /proc/self/fd or /proc/net/tcp on this system")
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && inodes[l] {
			n++
		}
	}
	return n
}

// hexPort is the decimal port of a /proc/net/tcp address ("0100007F:1F90").
func hexPort(addr string) string {
	_, h, ok := strings.Cut(addr, ":")
	if !ok {
		return ""
	}
	p, err := strconv.ParseUint(h, 16, 16)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(p, 10)
}

// Slow bodies, slow headers, silent and idle keep-alive connections are all closed by the
// mock within its timeouts: of the sockets on its port, only its listener is left.
func TestAbusiveConnectionsAreClosed(t *testing.T) {
	t.Parallel() // only the sockets on its own mock's port are counted
	srv, _ := newServer(t, mockserver.WithLimits(shortLimits))
	addr := strings.TrimPrefix(srv.URL, "http://")
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	require.Equal(t, 1, socketsOn(t, port), "the listener")
	const each = 40
	opens := []string{
		"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", // slow body
		"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Ty",                                                     // slow headers
		"", // silent
		"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Basic ZGVtby1tb292OmRlbW8tbW9vdi1zZWNyZXQ=\r\nContent-Length: 35\r\n\r\n{\"grant_type\":\"client_credentials\"}", // answered, then idle
	}
	var conns []net.Conn
	for range each {
		for _, o := range opens {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			conns = append(conns, c)
			if o != "" {
				_, err = io.WriteString(c, o)
				require.NoError(t, err)
			}
		}
	}
	// The clients' ends are held; the mock's may be closed already (its read
	// timeout can pass while a loaded machine dials the rest).
	assert.GreaterOrEqual(t, socketsOn(t, port), 1+len(conns), "the listener and the clients' ends")

	// Each client end reads what it gets until the mock closes the connection.
	var wg sync.WaitGroup
	statuses := make([]string, len(conns))
	for i, c := range conns {
		wg.Go(func() {
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			b, err := io.ReadAll(c)
			if err != nil {
				statuses[i] = "not closed: " + err.Error()
				return
			}
			statuses[i], _, _ = strings.Cut(string(b), "\r\n")
		})
	}
	wg.Wait()
	for i, st := range statuses {
		want := []string{"HTTP/1.1 408 Request Timeout", "HTTP/1.1 408 Request Timeout", "", "HTTP/1.1 200 OK"}[i%len(opens)]
		assert.Equal(t, want, st, "connection %d", i)
	}
	// The clients closed their ends; net/http may half-close a connection and
	// linger before closing its own, so wait for the mock's ends to go.
	assert.Eventually(t, func() bool { return socketsOn(t, port) == 1 }, 10*time.Second, 10*time.Millisecond,
		"every connection's sockets closed, the listener left")
}

// An injected Delay ends at the write timeout with the connection closed and no answer,
// and Close does not wait for a client holding a half-sent body beyond the shutdown grace.
func TestDelayEndsAtWriteTimeoutAndCloseIsBounded(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, mockserver.WithLimits(mockserver.Limits{WriteTimeout: 200 * time.Millisecond}))
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Delay: time.Hour})
	start := time.Now()
	resp, err := c.Post(srv.TokenURL(mockserver.Moov), "application/json", strings.NewReader(`{"grant_type":"client_credentials"}`))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "no answer")
	assert.Less(t, time.Since(start), 5*time.Second)

	// A Delay past the read timeout, within the write timeout, is answered.
	slow, c3 := newServer(t, mockserver.WithLimits(mockserver.Limits{ReadTimeout: 100 * time.Millisecond, WriteTimeout: 5 * time.Second}))
	slow.InjectFault(mockserver.Moov, mockserver.Fault{Delay: 300 * time.Millisecond, Times: 1})
	a := send(t, c3, slow, tokenReq{p: mockserver.Moov, contentType: ctJSON, body: `{"grant_type":"client_credentials"}`, basic: moovBasic()}, true)
	assert.Equal(t, 200, a.Status, "%s", a.Body)

	srv2 := mockserver.New(mockserver.WithLimits(mockserver.Limits{ShutdownGrace: 50 * time.Millisecond}))
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv2.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // the handler has the request
	start = time.Now()
	srv2.Close()
	assert.Less(t, time.Since(start), 2*time.Second, "Close: the grace, then every connection closed")
}

func TestWithLimitsRejectsNegatives(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "mockserver: WithLimits: negative Limits.IdleTimeout", func() {
		mockserver.WithLimits(mockserver.Limits{IdleTimeout: -1})
	})
	d := mockserver.DefaultLimits()
	b, _ := json.Marshal(d)
	assert.NotContains(t, string(b), ":0", "every default is set: %s", b)
}
