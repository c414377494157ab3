package redisstore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/providerkit"
)

// BenchmarkLoad: a token served from Redis (one GET over loopback, open,
// decode), per storage mode.
func BenchmarkLoad(b *testing.B) {
	e := newEnv(b)
	eachMode(b, e, "", func(b *testing.B, _ *env, s *redisstore.Store) {
		ctx := context.Background()
		saveToken(b, s, "moov:client:/accounts.read", time.Hour)
		b.ReportAllocs()
		for b.Loop() {
			got, err := s.Load(ctx, "moov:client:/accounts.read")
			if err != nil || got == nil {
				b.Fatal(got, err)
			}
		}
	})
	// The floor: the same GET with go-redis alone, nothing decoded.
	b.Run("raw-GET", func(b *testing.B) {
		ctx := context.Background()
		if err := e.rdb.Set(ctx, "raw", make([]byte, 400), 0).Err(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.rdb.Get(ctx, "raw").Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSave: sealing and writing a token.
func BenchmarkSave(b *testing.B) {
	e := newEnv(b)
	s := e.store(b, redisstore.WithEncryptionKey(newKey(b)))
	ctx := context.Background()
	tok := moovToken(b, time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Save(ctx, "moov:client:/accounts.read", tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetch: the alternative to the store, a fresh token request to a
// loopback token endpoint in this process, read the way the provider
// packages read it. "keepalive" reuses one plain-HTTP connection: the floor
// of any fetch. "tls-new-conn" dials and handshakes TLS for each request,
// which is what a process start, or a refresh every 15 minutes or more
// (longer than idle connections are kept), really does. A real provider
// adds its network round trips and its own processing on top: tens to
// hundreds of milliseconds.
func BenchmarkFetch(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = fmt.Fprintf(w, `{"access_token":"at-%s","expires_in":900,"refresh_token":"rt-%s","scope":"/accounts.read","token_type":"opaque"}`,
			randHex(24), randHex(24))
	})
	b.Run("keepalive", func(b *testing.B) {
		srv := httptest.NewServer(handler)
		b.Cleanup(srv.Close)
		benchFetch(b, srv.URL, srv.Client())
	})
	b.Run("tls-new-conn", func(b *testing.B) {
		srv := httptest.NewTLSServer(handler)
		b.Cleanup(srv.Close)
		client := srv.Client()
		client.Transport.(*http.Transport).DisableKeepAlives = true
		benchFetch(b, srv.URL, client)
	})
}

func benchFetch(b *testing.B, baseURL string, client *http.Client) {
	b.Cleanup(client.CloseIdleConnections)
	ep := providerkit.Endpoint{Provider: "moov", DefaultLifetime: 15 * time.Minute}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"/accounts.read"}}.Encode()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/oauth2/token", strings.NewReader(form))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("client", "secret")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ep.ReadResponse(resp); err != nil {
			b.Fatal(err)
		}
	}
}
