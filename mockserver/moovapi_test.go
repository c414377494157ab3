package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestMoovAPIShapes: by default Moov answers as its documentation page shows (token_type
// opaque, expires_in seconds); WithMoovAPI(MoovCurrent) as its OpenAPI document says
// (token_type Bearer, expires_in the Unix time of expiry, x-request-id on every answer).
// Every answer, both grants and both media types, is valid against the Moov spec.
func TestMoovAPIShapes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []mockserver.Option
		tokenType string
		unixTime  bool
	}{
		{"default", nil, "opaque", false},
		{"seed", []mockserver.Option{mockserver.WithMoovAPI(mockserver.MoovSeed)}, "opaque", false},
		{"current", []mockserver.Option{mockserver.WithMoovAPI(mockserver.MoovCurrent)}, "Bearer", true},
		{"current with JWTs", []mockserver.Option{mockserver.WithMoovAPI(mockserver.MoovCurrent), mockserver.WithMoovTokenType("jwt")}, "Bearer", true},
		{"seed with JWTs", []mockserver.Option{mockserver.WithMoovTokenType("jwt")}, "jwt", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newServer(t, tc.opts...)
			id, secret := demo(mockserver.Moov)
			checkExpiry := func(t *testing.T, v any) {
				t.Helper()
				n, err := strconv.ParseInt(v.(string), 10, 64)
				require.NoError(t, err)
				if tc.unixTime {
					assert.Greater(t, n, int64(1577836800), "a Unix time")
					assert.InDelta(t, time.Now().Add(15*time.Minute).Unix(), n, 5)
				} else {
					assert.Equal(t, int64(900), n)
				}
			}

			// JSON, client_credentials.
			a := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON,
				body: jsonBody(t, "grant_type", "client_credentials", "scope", "/accounts.read"), basic: [2]string{id, secret}}, true)
			require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
			m := a.json(t)
			assert.Equal(t, tc.tokenType, m["token_type"])
			checkExpiry(t, m["expires_in"].(json.Number).String())
			assert.Regexp(t, uuidRE, a.Header.Get("X-Request-Id"))
			tok, rt := m["access_token"].(string), m["refresh_token"].(string)

			// The token works as Bearer, and the protected endpoint says what the token
			// endpoint answered.
			status, h, body := callProtected(t, c, srv.URL+"/moov/protected", "Bearer "+tok)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, tc.tokenType, body["token_type"])
			if tc.unixTime {
				assert.Regexp(t, uuidRE, h.Get("X-Request-Id"), "every answer of Moov's current API")
			}

			// Form, refresh_token: the answer mirrors the request.
			a = send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctForm,
				body: form("grant_type", "refresh_token", "refresh_token", rt), basic: [2]string{id, secret}}, true)
			require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
			v, err := url.ParseQuery(string(a.Body))
			require.NoError(t, err)
			assert.Equal(t, tc.tokenType, v.Get("token_type"))
			checkExpiry(t, v.Get("expires_in"))
			assert.Regexp(t, uuidRE, a.Header.Get("X-Request-Id"))

			// Errors carry a request id too, and stay valid against the spec.
			a = send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON,
				body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{id, "wrong"}}, true)
			assert.Equal(t, http.StatusUnauthorized, a.Status)
			assert.Regexp(t, uuidRE, a.Header.Get("X-Request-Id"))
		})
	}
}

// TestMoovAPIFaults: injected faults keep the request id in Moov's current shape, and a 422
// fault answers Moov's field-keyed body, valid against the spec.
func TestMoovAPIFaults(t *testing.T) {
	srv, c := newServer(t, mockserver.WithMoovAPI(mockserver.MoovCurrent))
	for _, status := range []int{422, 500, 504} {
		srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: status, Times: 1})
		a := send(t, c, srv, validReq(t, srv, mockserver.Moov), true)
		assert.Equal(t, status, a.Status)
		assert.Regexp(t, uuidRE, a.Header.Get("X-Request-Id"), "%d", status)
		if status == 422 {
			assert.JSONEq(t, `{"scope":"is required when grant_type is client_credentials"}`, string(a.Body))
		}
	}
}

func TestParseMoovAPI(t *testing.T) {
	for in, want := range map[string]mockserver.MoovAPI{"seed": mockserver.MoovSeed, "current": mockserver.MoovCurrent, "CURRENT": mockserver.MoovCurrent} {
		got, err := mockserver.ParseMoovAPI(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "latest", "v2024.01.00", "seed "} {
		_, err := mockserver.ParseMoovAPI(bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), strconv.Quote(bad))
		assert.Contains(t, err.Error(), "seed or current")
	}
	assert.PanicsWithValue(t, `mockserver: WithMoovAPI("new"): want MoovSeed or MoovCurrent`, func() { mockserver.WithMoovAPI("new") })
	assert.Panics(t, func() { mockserver.WithMoovAPI("") })
	assert.Equal(t, []mockserver.MoovAPI{mockserver.MoovSeed, mockserver.MoovCurrent}, mockserver.MoovAPIs())
}

// TestMoovVersionHeader: x-moov-version is checked against the spec (vYYYY.QQ.BB or latest),
// in both shapes: a documented version is answered, anything else is Moov's 400.
func TestMoovVersionHeader(t *testing.T) {
	srv, c := newServer(t, mockserver.WithMoovAPI(mockserver.MoovCurrent))
	id, secret := demo(mockserver.Moov)
	for version, want := range map[string]int{"v2024.01.00": 200, "latest": 200, "2024-01": 400, "v2024.01": 400} {
		a := sendRaw(t, c, srv, tokenReq{p: mockserver.Moov, path: "/oauth2/token", contentType: ctJSON, body: `{"grant_type":"client_credentials"}`,
			basic: [2]string{id, secret}, header: http.Header{"X-Moov-Version": {version}}})
		body := a.json(t)
		assert.Equal(t, want, a.Status, "%s: %v", version, body)
		if want == 400 {
			assert.Equal(t, "invalid_request", body["error"], version)
		}
	}
}
