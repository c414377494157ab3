package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

func TestSmokeMoneyGo(t *testing.T) {
	srv := mockserver.New()
	defer srv.Close()
	body := `{"grant_type":"client_credentials","client_id":"demo-moneygo","client_secret":"demo-moneygo-secret","scope":"api"}`
	resp, err := http.Post(srv.URL+"/token", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Len(t, m["access_token"], 64)
	http.DefaultClient.CloseIdleConnections()
}
