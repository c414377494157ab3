package faultmatrix_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
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
		serve(t, countingListener{ln, accepted}, http.NotFoundHandler())
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
