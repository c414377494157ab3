package providertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
)

// The checks that no secret leaks: not from a Config, not from an error
// quoting the request back.

// ConfigRedacted checks that a Config prints, marshals and logs without its
// secret: cfg is the Config, ptr a pointer to it, secret its ClientSecret
// and id its ClientID (which does show, as does "[redacted]").
func ConfigRedacted(t *testing.T, cfg, ptr, secret any, id string) {
	t.Helper()
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, verb+"\n", cfg)
		fmt.Fprintf(&out, verb+"\n", ptr)
	}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	out.Write(b)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "cfg", cfg, "secret", secret)
	AssertNoSecret(t, out.String())
	assert.Contains(t, out.String(), "[redacted]")
	assert.Contains(t, out.String(), id)
}

// Echo is a server's error answer quoting the request it got.
type Echo[B, C any] struct {
	Edit  func(cfg C)       // nil: the tests' Config
	Fetch func(cfg C) error // the request; nil: Provider.Fetch
	// Status and Answer are the answer: Answer makes its X-Request-Id and
	// its JSON error fields from the request got.
	Status int
	Answer func(got Request[B]) (requestID string, fields map[string]string)
	Kind   error // the error's kind
	// Secrets must not show either, besides TestSecret (as sent and
	// URL-encoded), the Basic header's credentials and Provider.Secrets.
	Secrets []string
	// What the error keeps: RequestID is its request id, exactly, and
	// InDescription and InURI are in its description and URI ("": not
	// checked).
	RequestID, InDescription, InURI string
}

// EchoedCredentialsScrubbed checks that an error answer quoting the request
// (ec) gives an error of ec.Kind without any of the secrets, in its message
// and in every field of its *auth.Error, and with what ec says it keeps.
func (p Provider[B, C]) EchoedCredentialsScrubbed(t *testing.T, ec Echo[B, C]) {
	t.Helper()
	var s *Server[B]
	s = p.NewServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		id, fields := ec.Answer(s.Requests()[n-1])
		w.Header().Set("X-Request-Id", id)
		body, _ := json.Marshal(fields)
		Reply(w, ec.Status, string(body))
	})
	cfg := p.Config(s)
	if ec.Edit != nil {
		ec.Edit(cfg)
	}
	var err error
	if ec.Fetch != nil {
		err = ec.Fetch(cfg)
	} else {
		_, err = p.get(t.Context(), cfg)
	}
	require.ErrorIs(t, err, ec.Kind)
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	secrets := append([]string{url.QueryEscape(TestSecret), BasicCredentials(s.ClientID)}, p.Secrets...)
	secrets = append(secrets, ec.Secrets...)
	for _, text := range []string{err.Error(), e.Description, e.RequestID, e.URI, string(e.Body), fmt.Sprintf("%+v", *e)} {
		AssertNoSecret(t, text, secrets...)
	}
	if ec.RequestID != "" {
		assert.Equal(t, ec.RequestID, e.RequestID)
	}
	if ec.InDescription != "" {
		assert.Contains(t, e.Description, ec.InDescription)
	}
	if ec.InURI != "" {
		assert.Contains(t, e.URI, ec.InURI)
	}
}
