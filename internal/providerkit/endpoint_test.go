package providerkit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

func TestEndpointSend(t *testing.T) {
	ep := providerkit.Endpoint{Provider: "moov"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
			return
		}
		_, _ = io.WriteString(w, `{"access_token":"a","token_type":"opaque"}`)
	}))
	defer srv.Close()
	post := func(path string) func(context.Context) (*http.Response, error) {
		return func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, nil)
			return srv.Client().Do(req)
		}
	}

	tok, err := ep.Send(context.Background(), post("/ok"))
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)

	_, err = ep.Send(context.Background(), post("/bad"))
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, "<html>bad gateway</html>", string(e.Body))

	netErr := errors.New("dial tcp: refused")
	_, err = ep.Send(context.Background(), func(context.Context) (*http.Response, error) { return nil, netErr })
	assert.ErrorIs(t, err, netErr)
	assert.Equal(t, "moov: token request: dial tcp: refused", err.Error())
}

func TestPrefixError(t *testing.T) {
	assert.NoError(t, providerkit.PrefixError("moov", nil))
	base := errors.New("auth: token request failed after 3 attempts")
	err := providerkit.PrefixError("moov", base)
	assert.Equal(t, "moov: auth: token request failed after 3 attempts", err.Error())
	assert.ErrorIs(t, err, base)
	already := errors.New("moov: token request failed: HTTP 400")
	assert.Same(t, already, providerkit.PrefixError("moov", already))
}
