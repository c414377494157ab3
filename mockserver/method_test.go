package mockserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

// A token path asked with any method but POST gets 405 Allow: POST with the provider's
// documented error body (the one its 400s carry) and the headers of every token answer;
// it counts as a token request the mock refused and leaves queued faults alone.
func TestTokenPathOtherMethods(t *testing.T) {
	srv, c := newServer(t)
	want := map[mockserver.Provider]map[string]string{
		mockserver.MoneyGo:     {"error": "invalid_request", "error_description": "the token endpoint accepts only POST"},
		mockserver.MoneyKit:    {"error_code": "api_error.auth.unauthorized", "error_message": "the token endpoint accepts only POST", "documentation_url": "https://docs.moneykit.com/"},
		mockserver.Moov:        {"error": "invalid_request"},
		mockserver.MobiFinance: {"error": "invalid_request", "error_description": "the token endpoint accepts only POST"},
	}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}
	for _, p := range mockserver.Providers() {
		srv.InjectFault(p, mockserver.Fault{Status: 503, Times: 1})
		for _, url := range []string{srv.TokenURL(p), srv.BaseURL(p) + p.TokenPath()} {
			for _, method := range methods {
				res, body := do(t, c, method, url, "")
				where := method + " " + url
				assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, where)
				assert.Equal(t, "POST", res.Header.Get("Allow"), where)
				assert.Equal(t, "application/json", res.Header.Get("Content-Type"), where)
				assert.Equal(t, "no-store", res.Header.Get("Cache-Control"), where)
				assert.Equal(t, "no-cache", res.Header.Get("Pragma"), where)
				assert.NotEmpty(t, res.Header.Get("X-Request-Id"), where)
				if method == http.MethodHead {
					assert.Empty(t, body, where)
					continue
				}
				var got map[string]string
				require.NoError(t, json.Unmarshal(body, &got), "%s: %q", where, body)
				assert.Equal(t, want[p], got, where)
			}
		}
		n := 2 * len(methods)
		assert.Equal(t, mockserver.Counts{TokenRequests: n, TokenErrors: n}, srv.Counts(p))
		assert.Equal(t, 1, srv.PendingFaults(p), "a non-POST took the fault queued for a POST")
	}
}

// Unknown paths get a JSON 404, and the control API's wrong methods a JSON 405, never
// net/http's plain text; the mux's redirects to a cleaned path still work.
func TestUnknownPathAndControlMethod(t *testing.T) {
	srv, c := newServer(t)
	for _, path := range []string{"/nope", "/token/", "/moov/token", "/moov/nope", "/_mock/nope", "/oauth2"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			res, body := do(t, c, method, srv.URL+path, "")
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s", method, path)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"), "%s %s", method, path)
			var got map[string]string
			require.NoError(t, json.Unmarshal(body, &got), "%s %s: %q", method, path, body)
			assert.Equal(t, "not_found", got["error"])
			assert.NotContains(t, string(body), "page not found")
		}
	}
	assert.Equal(t, mockserver.Counts{}, srv.TotalCounts())

	res, body := do(t, c, http.MethodPut, srv.URL+mockserver.ControlPrefix+"counts", "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Allow"), "GET")
	assert.Contains(t, res.Header.Get("Allow"), "DELETE")
	var got map[string]string
	require.NoError(t, json.Unmarshal(body, &got), "%q", body)
	assert.Equal(t, "method_not_allowed", got["error"])

	// Path values still reach the control API through the JSON-error wrapper.
	res, _ = do(t, c, http.MethodDelete, srv.URL+mockserver.ControlPrefix+"moov/faults", "")
	assert.Equal(t, http.StatusNoContent, res.StatusCode)

	res, _ = do(t, c, http.MethodGet, srv.URL+"/x/../protected", "")
	if res.StatusCode != http.StatusUnauthorized { // Go's client may clean the path itself
		assert.True(t, res.StatusCode/100 == 3, "HTTP %d", res.StatusCode)
		assert.True(t, strings.HasSuffix(res.Header.Get("Location"), "/protected"), res.Header.Get("Location"))
	}
}
