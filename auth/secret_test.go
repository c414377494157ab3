package auth

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const rawSecret = "s3cr3t-VALUE-xyz"

type cfg struct {
	ClientID     string
	ClientSecret Secret
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret(rawSecret)
	c := cfg{ClientID: "id", ClientSecret: s}
	for _, tc := range []struct{ format, want string }{
		{"%v", "[redacted]"},
		{"%+v", "[redacted]"},
		{"%#v", `"[redacted]"`},
		{"%s", "[redacted]"},
		{"%q", `"[redacted]"`},
		{"%x", "[redacted]"},
		{"%X", "[redacted]"},
		{"%d", "[redacted]"},
		{"%10s", "[redacted]"},
	} {
		got := fmt.Sprintf(tc.format, s)
		require.Equal(t, tc.want, got, tc.format)
		require.NotContains(t, fmt.Sprintf(tc.format, c), rawSecret, tc.format+" of a struct")
		require.NotContains(t, fmt.Sprintf(tc.format, &c), rawSecret, tc.format+" of a pointer to a struct")
	}
	require.Equal(t, `{ClientID:id ClientSecret:[redacted]}`, fmt.Sprintf("%+v", c))
	require.Equal(t, `auth.cfg{ClientID:"id", ClientSecret:"[redacted]"}`, fmt.Sprintf("%#v", c))
	require.Equal(t, "[redacted]", fmt.Sprint(s))
	require.Equal(t, "[redacted]", s.String())
	require.Equal(t, rawSecret, s.Reveal())

	j, err := json.Marshal(c)
	require.NoError(t, err)
	require.Equal(t, `{"ClientID":"id","ClientSecret":"[redacted]"}`, string(j))
	txt, err := s.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "[redacted]", string(txt))
	x, err := xml.Marshal(c)
	require.NoError(t, err)
	require.NotContains(t, string(x), rawSecret)

	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		l := slog.New(h)
		l.Info("config", "secret", s, "cfg", c, slog.Any("ptr", &c))
	}
	require.NotContains(t, buf.String(), rawSecret)
	require.Equal(t, 6, strings.Count(buf.String(), "[redacted]"), buf.String())
}
