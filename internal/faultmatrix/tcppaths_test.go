package faultmatrix_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/mockserver"
)

// tcpPath is one way the SDK is called.
type tcpPath struct {
	name string
	// call makes the call against the mock behind baseURL; direct is the
	// mock itself (for what a case sets up without the fault).
	call func(ctx context.Context, t *testing.T, p prov, srv *mockserver.Server, e env) error
}

var tcpPaths = []tcpPath{
	{"Config.Token", func(ctx context.Context, _ *testing.T, p prov, _ *mockserver.Server, e env) error {
		_, err := p.token(ctx, e)
		return err
	}},
	// MobiFinance's TokenSource serves the token it is given and never
	// fetches: Exchange (Config.Token's path) is its one token request.
	{"TokenSource", func(ctx context.Context, _ *testing.T, p prov, _ *mockserver.Server, e env) error {
		_, err := p.fetch(ctx, e)
		return err
	}},
	{"Client", func(ctx context.Context, t *testing.T, p prov, srv *mockserver.Server, e env) error {
		var tok *oauth2.Token
		if p.oneShot {
			// MobiFinance's Client serves an exchanged token: the exchange
			// goes to the mock directly, the API call through the fault.
			var err error
			direct := e
			direct.baseURL = srv.URL
			direct.hc = newHTTPClient(t, tcpOKTimeout) // no fault: the healthy ceiling
			if tok, err = mobifinanceConfig(direct).Exchange(ctx, e.creds.code); err != nil {
				t.Fatalf("exchange without the fault: %v", err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.baseURL+"/"+string(p.mock)+mockserver.ProtectedPath, nil)
		if err != nil {
			return err
		}
		resp, err := p.client(e, tok).Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("API answered HTTP %d", resp.StatusCode)
		}
		return nil
	}},
}
