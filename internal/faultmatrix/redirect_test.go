package faultmatrix_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
)

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
			other := serve(t, otherHostListener(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth.Store(r.Header.Get("Authorization"))
			}))
			var sameAuth atomic.Value
			sameAuth.Store("")
			api := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/accounts":
					http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
				case "/moved":
					http.Redirect(w, r, "/moved-here", http.StatusFound)
				default:
					sameAuth.Store(r.Header.Get("Authorization"))
				}
			}))

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
