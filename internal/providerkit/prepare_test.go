package providerkit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOrZero(t *testing.T) {
	require.Equal(t, Credentials{}, OrZero[Credentials](nil))
	c := &Credentials{ClientID: "id", Scopes: []string{"a"}}
	got := OrZero(c)
	require.Equal(t, *c, got)
	got.ClientID = "other"
	require.Equal(t, "id", c.ClientID, "a copy, not c itself")
}
