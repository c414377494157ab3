package faultmatrix_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

// dialRecorder is an HTTP client whose every dial is recorded (and made).
type dialRecorder struct {
	mu    sync.Mutex
	dials []string
}

func (d *dialRecorder) client(t testing.TB) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d.mu.Lock()
			d.dials = append(d.dials, addr)
			d.mu.Unlock()
			return (&net.Dialer{Timeout: time.Second}).DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 2 * time.Second}
}

func (d *dialRecorder) get() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.dials...)
}

// nonLoopbackListener listens on an address of this machine that is not
// loopback, and counts the connections it accepts. It returns nil when the
// machine has none.
func nonLoopbackListener(t *testing.T) (addr string, accepted *atomic.Int32) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", nil
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(ipn.IP.String(), "0"))
		if err != nil {
			continue
		}
		accepted = new(atomic.Int32)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		t.Cleanup(func() { ln.Close(); <-done })
		return ln.Addr().String(), accepted
	}
	return "", nil
}

// TestTransportInsecureURL: a plain-http BaseURL to a host that is not
// loopback fails with ErrInsecureURL (naming the field) before any
// connection is attempted, through Token/Exchange, TokenSource and Client.
func TestTransportInsecureURL(t *testing.T) {
	t.Parallel()
	addr, accepted := nonLoopbackListener(t)
	bases := []string{"http://example.com", "http://10.0.0.1:8080", "http://[2001:db8::1]", "HTTP://api.moov.io"}
	if addr != "" {
		bases = append(bases, "http://"+addr) // a real listener on this machine, not loopback
	} else {
		t.Log("no non-loopback address on this machine: only dials are watched")
	}
	for _, p := range providers {
		for _, base := range bases {
			t.Run(p.name+"/"+base, func(t *testing.T) {
				d := &dialRecorder{}
				e := env{baseURL: base, hc: d.client(t), creds: creds{id: newSentinels().id, secret: "insecure-secret-0123456789", code: "insecure-code-0123456789"},
					opts: []auth.Option{auth.WithRetry(fastRetry)}}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_, err := p.token(ctx, e)
				checkInsecure(t, "Token", err)
				if !p.oneShot {
					_, err = p.fetch(ctx, e)
					checkInsecure(t, "TokenSource", err)
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/accounts", nil)
					resp, err := p.client(e, nil).Do(req)
					if err == nil {
						resp.Body.Close()
					}
					checkInsecure(t, "Client", err)
				}
				if got := d.get(); len(got) != 0 {
					t.Errorf("dialled %v", got)
				}
			})
		}
	}
	if accepted != nil && accepted.Load() != 0 {
		t.Errorf("the non-loopback listener accepted %d connections", accepted.Load())
	}
}

func checkInsecure(t *testing.T, via string, err error) {
	t.Helper()
	if !errors.Is(err, auth.ErrInsecureURL) {
		t.Errorf("%s: %v, want ErrInsecureURL", via, err)
		return
	}
	var ce *auth.ConfigError
	if !errors.As(err, &ce) || ce.Field != "BaseURL" {
		t.Errorf("%s: %v does not name the field BaseURL", via, err)
	}
}

// TestTransportLocalhostSubdomain: plain http goes to loopback hosts only
// — "localhost, 127.0.0.0/8, ::1". A name under .localhost is
// not one: Go's resolver asks DNS for it (any answer goes), and
// http.ProxyFromEnvironment sends it through HTTP_PROXY, so credentials
// would travel in clear text off the machine.
func TestTransportLocalhostSubdomain(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			d := &dialRecorder{}
			e := env{baseURL: "http://evil.localhost:9", hc: d.client(t), creds: creds{id: newSentinels().id, secret: "subdomain-secret-0123456789", code: "subdomain-code-0123456789"}}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := p.token(ctx, e)
			if !errors.Is(err, auth.ErrInsecureURL) {
				t.Errorf("BaseURL http://evil.localhost:9: %v, want ErrInsecureURL", err)
			}
			if got := d.get(); len(got) != 0 {
				t.Errorf("dialled %v with the credentials ready to go in clear text", got)
			}
		})
	}
}

// TestTransportRedirect: a token endpoint answering any redirect to
// another host gets an *auth.Error with that status; the other host sees no
// request, even with an HTTPClient whose CheckRedirect follows everything.
func TestTransportRedirect(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		for _, status := range []int{301, 302, 303, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d", p.name, status), func(t *testing.T) {
				s := newSentinels()
				x := newHostile(t, p, s, 0, false, func(w http.ResponseWriter, _ *http.Request, x *call) {
					w.Header().Set("Location", x.other.URL+x.p.path)
					w.WriteHeader(status)
				})
				e := env{baseURL: x.URL(), hc: newHTTPClient(t, 0), creds: creds{id: s.id, secret: s.secret, code: s.code}}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_, err := p.token(ctx, e) // Config.Token / Exchange: the default policy
				var ae *auth.Error
				if !errors.As(err, &ae) || ae.StatusCode != status {
					t.Errorf("%v, want an *auth.Error with status %d", err, status)
				}
				if n := x.n.Load(); n != 1 {
					t.Errorf("%d token requests, want 1", n)
				}
				if n := x.otherN.Load(); n != 0 {
					t.Errorf("the other host got %d requests", n)
				}
			})
		}
	}
}

// TestTransportAPIRedirect: an API call through Client that the API
// redirects to another host must not carry the bearer token there
// (net/http's own client drops Authorization on such a redirect; a
// Transport that sets it on every hop puts it back). A redirect on the same
// host keeps it.
func TestTransportAPIRedirect(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			s := newSentinels()
			x := newHostile(t, p, s, 0, false, func(w http.ResponseWriter, _ *http.Request, x *call) {
				x.ok(w, x.p.okStatus, x.p.okBody(x.accessToken(x.n), x.s.refresh))
			})
			var gotAuth atomic.Value
			gotAuth.Store("")
			other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth.Store(r.Header.Get("Authorization"))
			}))
			if ln, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
				other.Listener.Close()
				other.Listener = ln
			}
			other.Start()
			t.Cleanup(other.Close)
			var sameAuth atomic.Value
			sameAuth.Store("")
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/accounts":
					http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
				case "/moved":
					http.Redirect(w, r, "/moved-here", http.StatusFound)
				default:
					sameAuth.Store(r.Header.Get("Authorization"))
				}
			}))
			t.Cleanup(api.Close)

			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			e := env{baseURL: x.URL(), hc: &http.Client{Transport: tr, Timeout: 5 * time.Second},
				creds: creds{id: s.id, secret: s.secret, code: s.code}}
			var seed *oauth2.Token
			if p.oneShot {
				seed = &oauth2.Token{AccessToken: s.access + "-seed", TokenType: "Bearer"}
			}
			resp, err := p.client(e, seed).Get(api.URL + "/accounts")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if a := gotAuth.Load().(string); a != "" {
				t.Errorf("the other host got Authorization %q", a)
			}
			// A redirect on the same host keeps the token.
			resp, err = p.client(e, seed).Get(api.URL + "/moved")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if a := sameAuth.Load().(string); !strings.HasPrefix(a, "Bearer "+s.access) {
				t.Errorf("a redirect on the same host got Authorization %q", a)
			}
		})
	}
}

// countingTransport counts the response body bytes its caller reads.
type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestTransportBodyCap: an endless or 10 MiB answer, success or error, is
// read no further than providerkit.MaxResponseBody (1 MiB) + 1 byte.
func TestTransportBodyCap(t *testing.T) {
	t.Parallel()
	endless := func(status int) func(http.ResponseWriter, *http.Request, *call) {
		return func(w http.ResponseWriter, r *http.Request, x *call) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"padding":"`)
			chunk := []byte(strings.Repeat("x", 32<<10))
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				select {
				case <-x.stop:
					return
				default:
				}
			}
		}
	}
	cases := map[string]func(prov) func(http.ResponseWriter, *http.Request, *call){
		"endless 2xx": func(p prov) func(http.ResponseWriter, *http.Request, *call) { return endless(p.okStatus) },
		"endless 400": func(prov) func(http.ResponseWriter, *http.Request, *call) { return endless(400) },
		"10MiB 2xx":   func(prov) func(http.ResponseWriter, *http.Request, *call) { return rowByID("10mib-2xx").raw },
	}
	for _, p := range providers {
		for name, fault := range cases {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				s := newSentinels()
				x := newHostile(t, p, s, 0, false, fault(p))
				ct := &countingTransport{base: &http.Transport{}}
				t.Cleanup(ct.base.(*http.Transport).CloseIdleConnections)
				e := env{baseURL: x.URL(), hc: &http.Client{Transport: ct, Timeout: 10 * time.Second},
					creds: creds{id: s.id, secret: s.secret, code: s.code}}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				tok, err := p.token(ctx, e)
				if err == nil || tok != nil {
					t.Fatalf("got a token from an oversized answer: %v", tok)
				}
				if n := ct.read.Load(); n > providerkit.MaxResponseBody+1 {
					t.Errorf("read %d bytes of the answer, more than 1 MiB + 1", n)
				}
				var ae *auth.Error
				if errors.As(err, &ae) && len(ae.Body) > providerkit.MaxErrorBody {
					t.Errorf("Error.Body holds %d bytes", len(ae.Body))
				}
			})
		}
	}
}

func rowByID(id string) row {
	for _, r := range rows {
		if r.id == id {
			return r
		}
	}
	panic("no row " + id)
}
