package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

// paytoken execs the command with a clean environment plus env.
func paytoken(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := command(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...), args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errOut.String()
}

func TestDemoCommand(t *testing.T) {
	code, out, errOut := paytoken(t, nil, "demo")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	for _, want := range []string{"Money-Go", "MoneyKit", "Moov", "MobiFinance", "Bearer (opaque)", "Bearer (bearer)", "30d", "1h", "15m", "permanent", "200 OK, client demo-moov"} {
		assert.Contains(t, out, want)
	}
	assert.Equal(t, 4, strings.Count(out, "200 OK"), out)
	assert.Empty(t, errOut)
	t.Log("\n" + out)
}

func TestDemoCommandWithFaults(t *testing.T) {
	t.Parallel()
	code, out, errOut := paytoken(t, nil, "demo", "--faults")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Equal(t, 4, strings.Count(out, "200 OK"), out)
	t.Log("\n" + out)
}

func TestTokenCommand(t *testing.T) {
	srv := mockserver.New()
	defer srv.Close()
	secretEnv := func(p mockserver.Provider) []string {
		return []string{"PAYTOKEN_CLIENT_SECRET=" + mockserver.DemoClientSecret(p)}
	}

	t.Run("secret from the environment, redacted output", func(t *testing.T) {
		code, out, errOut := paytoken(t, secretEnv(mockserver.Moov), "token", "moov", "--client-id", "demo-moov", "--base-url", srv.URL, "--scope", "/accounts.read /accounts.write")
		require.Equal(t, 0, code, "stderr: %s", errOut)
		assert.Contains(t, out, `Bearer (the provider says "opaque")`)
		assert.Contains(t, out, "(in 15m0s)")
		assert.Contains(t, out, "redacted")
		assert.Contains(t, out, "/accounts.read /accounts.write")
		assert.NotRegexp(t, `[0-9a-f]{64}`, out, "no full token without --json")
	})
	t.Run("named variable and body auth", func(t *testing.T) {
		code, out, errOut := paytoken(t, []string{"PAYTOKEN_CLIENT_ID=demo-moneykit", "KIT_SECRET=demo-moneykit-secret"}, "token", "moneykit", "--secret-env", "KIT_SECRET", "--auth-style", "body", "--base-url", srv.URL)
		require.Equal(t, 0, code, "stderr: %s", errOut)
		assert.Contains(t, out, "MoneyKit")
	})
	t.Run("secret from a file, --json", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "secret")
		require.NoError(t, os.WriteFile(file, []byte("demo-moneygo-secret\n"), 0o600))
		code, out, errOut := paytoken(t, nil, "token", "moneygo", "--client-id", "demo-moneygo", "--secret-file", file, "--base-url", srv.URL, "--json")
		require.Equal(t, 0, code, "stderr: %s", errOut)
		var got tokenJSON
		require.NoError(t, json.Unmarshal([]byte(out), &got), out)
		assert.Equal(t, mockserver.MoneyGo, got.Provider)
		assert.Len(t, got.AccessToken, 64)
		assert.Equal(t, "Bearer", got.TokenType)
		require.NotNil(t, got.Expiry)
		assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), *got.Expiry, time.Minute)
		assert.InDelta(t, 2592000, *got.ExpiresIn, 60)
	})
	t.Run("mobifinance code", func(t *testing.T) {
		code := srv.MustIssueCode("demo-mobifinance", mockserver.DemoRedirectURI)
		st, out, errOut := paytoken(t, secretEnv(mockserver.MobiFinance), "token", "mobifinance", "--client-id", "demo-mobifinance", "--code", code, "--redirect-url", mockserver.DemoRedirectURI, "--base-url", srv.URL, "--json")
		require.Equal(t, 0, st, "stderr: %s", errOut)
		var got tokenJSON
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		assert.Nil(t, got.Expiry, "permanent")
		st, _, errOut = paytoken(t, secretEnv(mockserver.MobiFinance), "token", "mobifinance", "--client-id", "demo-mobifinance", "--code", code, "--redirect-url", mockserver.DemoRedirectURI, "--base-url", srv.URL)
		assert.Equal(t, 1, st)
		assert.Contains(t, errOut, "invalid_grant")
	})
	t.Run("wrong secret fails with status 1", func(t *testing.T) {
		code, out, errOut := paytoken(t, []string{"PAYTOKEN_CLIENT_SECRET=not-the-secret"}, "token", "moneykit", "--client-id", "demo-moneykit", "--base-url", srv.URL)
		assert.Equal(t, 1, code)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "401")
		assert.NotContains(t, errOut, "not-the-secret")
	})
	t.Run("plain http beyond loopback is refused as a usage error", func(t *testing.T) {
		code, _, errOut := paytoken(t, secretEnv(mockserver.Moov), "token", "moov", "--client-id", "demo-moov", "--base-url", "http://example.com")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "--base-url")
		assert.Contains(t, errOut, "insecure")
	})
	t.Run("argv secret refused", func(t *testing.T) {
		code, out, errOut := paytoken(t, nil, "token", "moov", "--client-id", "demo-moov", "--base-url", srv.URL, "--secret", "demo-moov-secret")
		assert.Equal(t, 2, code)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "--secret is not accepted")
		assert.NotContains(t, errOut, "demo-moov-secret")
		assert.Zero(t, srv.Counts(mockserver.Moov).TokenRequests-1, "only the first subtest's request reached the mock")
	})
}
