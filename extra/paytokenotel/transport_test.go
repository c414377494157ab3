package paytokenotel_test

import (
	"net/http"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moov"
)

const childEnv = "PAYTOKENOTEL_WRAPPED_DEFAULT_TRANSPORT"

// TestWrappedDefaultTransport: with http.DefaultTransport wrapped by
// otelhttp, as tracing setups do, a Config without an HTTPClient fetches
// and its Client calls the API. It runs in a child process: the SDK's
// shared token client is built from http.DefaultTransport once per
// process, and the other tests must not see the wrapped one.
func TestWrappedDefaultTransport(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Parallel()
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestWrappedDefaultTransport$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "child:\n%s", out)
		require.Contains(t, string(out), "--- PASS: TestWrappedDefaultTransport", "child:\n%s", out)
		return
	}
	e := newEnv(t)
	http.DefaultTransport = otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(e.tp))
	cfg := &moov.Config{ClientID: clientID, ClientSecret: sentinel, BaseURL: e.srv.URL}

	ctx, caller := e.tp.Tracer("test").Start(t.Context(), "caller")
	tok, err := e.token(ctx, cfg.TokenSource(auth.WithObserver(e.obs)))
	require.NoError(t, err)
	require.NotEmpty(t, tok.AccessToken)

	client := cfg.Client(auth.WithObserver(e.obs))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.ProtectedURL(), nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	caller.End()

	require.Equal(t, okPoints(mockserver.Moov, 2), e.points(), "the TokenSource's fetch and the Client's")
	fetches := e.fetchSpans()
	require.Len(t, fetches, 2)
	under := map[trace.SpanID]string{caller.SpanContext().SpanID(): "caller"}
	for _, f := range fetches {
		require.Equal(t, caller.SpanContext().SpanID(), f.Parent().SpanID())
		under[f.SpanContext().SpanID()] = "fetch"
	}
	// The SDK's default client sends through the wrapped transport as it
	// is: each token request is traced under its fetch, the API request
	// under the caller.
	var posts, gets int
	for _, s := range e.spans.Ended() {
		if s.SpanKind() != trace.SpanKindClient {
			continue
		}
		switch s.Name() {
		case "HTTP POST":
			posts++
			require.Equal(t, "fetch", under[s.Parent().SpanID()])
		case "HTTP GET":
			gets++
			require.Equal(t, "caller", under[s.Parent().SpanID()])
		default:
			t.Errorf("unexpected client span %q", s.Name())
		}
	}
	require.Equal(t, 2, posts, "token requests")
	require.Equal(t, 1, gets, "API requests")
	e.checkNoSecret()
}
