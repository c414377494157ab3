package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `paytoken mock --moov-api current` answers as Moov's OpenAPI document says; seed, the
// default, as its documentation page shows.
func TestMockCommandMoovAPI(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for _, tc := range []struct {
		args      []string
		tokenType string
		unixTime  bool
	}{
		{nil, "opaque", false},
		{[]string{"--moov-api", "seed"}, "opaque", false},
		{[]string{"--moov-api", "current"}, "Bearer", true},
		{[]string{"--moov-api=current", "--moov-jwt"}, "Bearer", true},
	} {
		t.Run(argsName(tc.args), func(t *testing.T) {
			t.Parallel()
			_, url, _, errOut := startMock(t, append([]string{"--quiet"}, tc.args...)...)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			st, m := curl(t, c, "POST", url+"/oauth2/token", "application/json",
				`{"grant_type":"client_credentials","scope":"/accounts.read"}`, "demo-moov:demo-moov-secret")
			require.Equal(t, 200, st, "%v; stderr: %s", m, errOut.String())
			assert.Equal(t, tc.tokenType, m["token_type"])
			exp := m["expires_in"].(float64)
			if tc.unixTime {
				assert.InDelta(t, float64(time.Now().Add(15*time.Minute).Unix()), exp, 10)
			} else {
				assert.Equal(t, 900.0, exp)
			}

			req, err := http.NewRequest("GET", url+"/moov/protected", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+m["access_token"].(string))
			resp, err := c.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var p map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, tc.tokenType, p["token_type"])
			if tc.unixTime {
				assert.Regexp(t, uuid, resp.Header.Get("X-Request-Id"))
			}
		})
	}
}

func argsName(args []string) string {
	if len(args) == 0 {
		return "default"
	}
	b, _ := json.Marshal(args)
	return string(b)
}
