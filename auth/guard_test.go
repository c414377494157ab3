package auth

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultHTTPClient(t *testing.T) {
	c := defaultHTTPClient()
	require.Equal(t, defaultRequestTimeout, c.Timeout)
	require.NotNil(t, c.CheckRedirect)
	tr := c.Transport.(*http.Transport)
	require.NotSame(t, http.DefaultTransport, tr)
	require.Equal(t, defaultHeaderTimeout, tr.ResponseHeaderTimeout)
	require.NotSame(t, c, defaultHTTPClient())
}

func TestAuthStyleString(t *testing.T) {
	require.Equal(t, "InHeader", InHeader.String())
	require.Equal(t, "InBody", InBody.String())
	require.Equal(t, "AuthStyle(invalid)", AuthStyle(7).String())
}
