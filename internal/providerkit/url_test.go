package providerkit

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		raw      string
		ok       bool
		insecure bool
		notIn    string // must not appear in the error
	}{
		{raw: "https://api.moov.io", ok: true},
		{raw: "https://api.moov.io/", ok: true},
		{raw: "HTTPS://API.MOOV.IO/base", ok: true},
		{raw: "https://z-wallet.monpay.mn:8443/prefix", ok: true},
		{raw: "http://localhost:8089", ok: true},
		{raw: "http://LOCALHOST", ok: true},
		{raw: "http://mock.localhost:1", insecure: true},
		{raw: "http://127.0.0.1:1234", ok: true},
		{raw: "http://127.8.9.10", ok: true},
		{raw: "http://[::1]:80", ok: true},
		{raw: "http://api.moov.io", insecure: true},
		{raw: "http://10.0.0.1", insecure: true},
		{raw: "http://0.0.0.0", insecure: true},
		{raw: "http://localhost.evil.com", insecure: true},
		{raw: "http://127.0.0.1.nip.io", insecure: true},
		{raw: "http://[::ffff:8.8.8.8]", insecure: true},
		{raw: ""},
		{raw: "   "},
		{raw: "api.moov.io"},
		{raw: "/token"},
		{raw: "ftp://api.moov.io"},
		{raw: "https://"},
		{raw: "https://user:hunter2@api.moov.io", notIn: "hunter2"},
		{raw: "https://api.moov.io/?secret=hunter2", notIn: "hunter2"},
		{raw: "https://api.moov.io/#frag"},
		{raw: "https://a b.com"},
		{raw: "http://[::1"},
		{raw: "//:hunter2@", notIn: "hunter2"},
		{raw: "//user:hunter2@host/p", notIn: "hunter2"},
		{raw: "ftp://u:hunter2@host/p?q=hunter2", notIn: "hunter2"},
		{raw: "http://u:hunter2@example.com/", notIn: "hunter2"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := CheckURL(tc.raw)
			if tc.ok {
				require.NoError(t, err)
				require.NotNil(t, u)
				return
			}
			require.Error(t, err)
			require.Nil(t, u)
			require.Equal(t, tc.insecure, errors.Is(err, auth.ErrInsecureURL))
			if tc.notIn != "" {
				require.NotContains(t, err.Error(), tc.notIn)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://x/token", nil)
	require.NoError(t, BasicAuth("id/with+odd chars%", "sec:ret%+")(context.Background(), req))
	id, secret, ok := req.BasicAuth()
	require.True(t, ok)
	require.Equal(t, "id/with+odd chars%", id, "sent as given, not form-encoded")
	require.Equal(t, "sec:ret%+", secret)
	_ = id
}

// TokenHTTPClient refuses redirects and leaves its argument alone.
func TestTokenHTTPClient(t *testing.T) {
	orig := &http.Client{}
	c := TokenHTTPClient(orig)
	require.Nil(t, orig.CheckRedirect)
	require.NotNil(t, c.CheckRedirect)
	require.ErrorIs(t, c.CheckRedirect(nil, nil), http.ErrUseLastResponse)
	require.NotNil(t, TokenHTTPClient(nil).CheckRedirect)
	require.Same(t, TokenClient(nil), TokenClient(nil), "one shared default client")
	require.NotSame(t, orig, TokenClient(orig))
}
