package faultmatrix_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

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
