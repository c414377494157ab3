package mockserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moov"
)

// A test points a provider package at the mock: one URL serves all four providers.
func Example() {
	srv := mockserver.New() // in a test: t.Cleanup(srv.Close)
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     mockserver.DemoClientID(mockserver.Moov),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
		BaseURL:      srv.URL,
	}
	client := cfg.Client()
	defer client.CloseIdleConnections()

	// The protected endpoint stands in for the provider's API.
	resp, err := client.Get(srv.ProtectedURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// Every Moov token now gets 401: the client fetches a new one and retries.
	srv.ExpireTokens(mockserver.Moov)
	resp, err = client.Get(srv.ProtectedURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, srv.Counts(mockserver.Moov).TokenRequests, "token requests")
	// Output:
	// 200 OK
	// 200 OK 2 token requests
}

// Faults make the token endpoint misbehave: here one 503, after which the SDK asks again.
func ExampleServer_InjectFault() {
	srv := mockserver.New()
	defer srv.Close()
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 503, Times: 1})

	cfg := &moov.Config{
		ClientID:     mockserver.DemoClientID(mockserver.Moov),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
		BaseURL:      srv.URL,
	}
	tok, err := cfg.Token(context.Background())
	fmt.Println(tok != nil, err, srv.Counts(mockserver.Moov).TokenRequests, "token requests")
	// Output: true <nil> 2 token requests
}

// MobiFinance needs an authorization code, as MonPay would give the mini app; a code works
// once.
func ExampleServer_IssueCode() {
	srv := mockserver.New()
	defer srv.Close()
	const redirect = "https://app.example/cb"
	code, err := srv.IssueCode(mockserver.DemoClientID(mockserver.MobiFinance), redirect)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := &mobifinance.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MobiFinance),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MobiFinance)),
		RedirectURL:  redirect,
		BaseURL:      srv.URL,
	}
	tok, err := cfg.Exchange(context.Background(), code)
	fmt.Println(tok.Type(), tok.Expiry.IsZero(), err)
	_, err = cfg.Exchange(context.Background(), code)
	fmt.Println(err != nil)
	// Output:
	// Bearer true <nil>
	// true
}

// Without the SDK: the mock answers as the provider documents, here MoneyKit's 201.
func ExampleServer_TokenURL() {
	srv := mockserver.New()
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.TokenURL(mockserver.MoneyKit), strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(mockserver.DemoClientID(mockserver.MoneyKit), mockserver.DemoClientSecret(mockserver.MoneyKit))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Header.Get("Cache-Control"), strings.Contains(string(body), `"token_type":"bearer"`))
	http.DefaultClient.CloseIdleConnections()
	// Output: 201 Created no-store true
}
