package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
)

// AcmeConfig is a fifth provider on auth's public API alone: a Fetcher
// making one token request, and the three methods of every provider.
type AcmeConfig struct {
	ClientID     string
	ClientSecret auth.Secret // prints as [redacted]
	TokenURL     string
	HTTPClient   *http.Client
}

// fetch is one request. An answer without a token is an *auth.Error:
// errors.Is classifies it by Code and StatusCode; Retry retries it when
// Temporary, after its RetryAfter.
func (c *AcmeConfig) fetch(ctx context.Context) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("acme: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.ClientSecret.Reveal())
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("acme: token request: %w", err) // a network error: retried
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // a cut answer: a network error
	if err != nil {
		return nil, fmt.Errorf("acme: token request: %w", err)
	}
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || resp.StatusCode != http.StatusOK || r.AccessToken == "" {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, &auth.Error{Provider: "acme", StatusCode: resp.StatusCode, Code: r.Error,
			RetryAfter: time.Duration(secs) * time.Second, Body: body[:min(len(body), 4<<10)]}
	}
	return &oauth2.Token{AccessToken: r.AccessToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(r.ExpiresIn) * time.Second)}, nil
}

// Token is one token, retried under the default policy.
func (c *AcmeConfig) Token(ctx context.Context) (*oauth2.Token, error) {
	return auth.Retry(ctx, auth.RetryPolicy{}, c.fetch)
}

// TokenSource caches and renews; pass auth.WithStore(store,
// auth.StoreKey("acme", c.ClientID)) to share its tokens.
func (c *AcmeConfig) TokenSource(opts ...auth.Option) *auth.Source {
	return auth.NewSource(c.fetch, append([]auth.Option{auth.WithProvider("acme")}, opts...)...)
}

// Client sends "Authorization: Bearer" and renews the token after a 401.
func (c *AcmeConfig) Client(opts ...auth.Option) *http.Client {
	return auth.NewClient(c.TokenSource(opts...), c.HTTPClient)
}

// A provider of your own: a fake Acme fails once with a 503, then issues
// tokens to the right client.
func Example_provider() {
	var tokenRequests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api" {
			fmt.Fprint(w, "hello, ", r.Header.Get("Authorization"))
			return
		}
		tokenRequests++
		id, secret, _ := r.BasicAuth()
		switch {
		case tokenRequests == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case id != "acme-id" || secret != "acme-secret":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
		default:
			fmt.Fprintf(w, `{"access_token":"at-%d","expires_in":3600}`, tokenRequests)
		}
	}))
	defer srv.Close()

	cfg := &AcmeConfig{ClientID: "acme-id", ClientSecret: "acme-secret", TokenURL: srv.URL + "/token", HTTPClient: srv.Client()}
	resp, err := cfg.Client().Get(srv.URL + "/api")
	if err != nil {
		fmt.Println(err)
		return
	}
	greeting, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s after %d token requests\n", greeting, tokenRequests)

	bad := *cfg
	bad.ClientSecret = "wrong"
	_, err = bad.Token(context.Background())
	fmt.Println(errors.Is(err, auth.ErrInvalidClient), err)
	// Output:
	// hello, Bearer at-2 after 2 token requests
	// true acme: token request failed: HTTP 401 Unauthorized: invalid_client
}
