package main

import (
	"bytes"
	"context"
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

// runIn runs the command in-process with the environment given.
func runIn(t *testing.T, envs map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(k string) string { return envs[k] })
	return code, out.String(), errOut.String()
}

func TestUsage(t *testing.T) {
	secretEnv := map[string]string{"PAYTOKEN_CLIENT_SECRET": "s"}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		out  string // expected in stdout
		err  string // expected in stderr
	}{
		{"no command", nil, nil, 2, "", "Usage:"},
		{"unknown command", nil, []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"help", nil, []string{"help"}, 0, "paytoken demo", ""},
		{"--help", nil, []string{"--help"}, 0, "paytoken token", ""},
		{"help token", nil, []string{"help", "token"}, 0, "Usage: paytoken token", ""},
		{"token --help", nil, []string{"token", "--help"}, 0, "--secret-file PATH", ""},
		{"token -h", nil, []string{"token", "-h"}, 0, "Usage: paytoken token", ""},
		{"mock --help", nil, []string{"mock", "--help"}, 0, "--addr host:port", ""},
		{"demo --help", nil, []string{"demo", "--help"}, 0, "Usage: paytoken demo", ""},
		{"token: no provider", secretEnv, []string{"token", "--client-id", "x"}, 2, "", "which provider?"},
		{"token: unknown provider", secretEnv, []string{"token", "paypal", "--client-id", "x"}, 2, "", `unknown provider "paypal"`},
		{"token: two providers", secretEnv, []string{"token", "moov", "moneykit", "--client-id", "x"}, 2, "", `unexpected argument "moneykit"`},
		{"token: bad flag", secretEnv, []string{"token", "moov", "--nope"}, 2, "", "flag provided but not defined: -nope"},
		{"token: no client id", secretEnv, []string{"token", "moov"}, 2, "", "--client-id is required"},
		{"token: no secret", nil, []string{"token", "moov", "--client-id", "x"}, 2, "", "no client secret: set $PAYTOKEN_CLIENT_SECRET"},
		{"token: empty named env", secretEnv, []string{"token", "moov", "--client-id", "x", "--secret-env", "MOOV_SECRET"}, 2, "", "set $MOOV_SECRET"},
		{"token: env and file", secretEnv, []string{"token", "moov", "--client-id", "x", "--secret-env", "A", "--secret-file", "/dev/null"}, 2, "", "not both"},
		{"token: bad auth style", secretEnv, []string{"token", "moov", "--client-id", "x", "--auth-style", "query"}, 2, "", "--auth-style is header or body"},
		{"token: auth style on money-go", secretEnv, []string{"token", "moneygo", "--client-id", "x", "--auth-style", "body"}, 2, "", "applies to moov and moneykit"},
		{"token: mobifinance without code", secretEnv, []string{"token", "mobifinance", "--client-id", "x", "--redirect-url", "https://a/b"}, 2, "", "needs --code and --redirect-url"},
		{"token: code elsewhere", secretEnv, []string{"token", "moov", "--client-id", "x", "--code", "c"}, 2, "", "mobifinance only"},
		{"token: scope on mobifinance", secretEnv, []string{"token", "mobifinance", "--client-id", "x", "--code", "c", "--redirect-url", "https://a/b", "--scope", "s"}, 2, "", "takes no --scope"},
		{"mock: stray argument", nil, []string{"mock", "now"}, 2, "", `unexpected argument "now"`},
		{"mock: bad lifetime", nil, []string{"mock", "--lifetime", "moov=5ms"}, 2, "", "at least 1s"},
		{"mock: bad client", nil, []string{"mock", "--client", "moov=idonly"}, 2, "", "provider=client_id:client_secret"},
		{"mock: bad --moov-api", nil, []string{"mock", "--moov-api", "latest"}, 2, "", `invalid value "latest" for flag -moov-api: want seed (Moov's documentation page`},
		{"mock: empty --moov-api", nil, []string{"mock", "--moov-api="}, 2, "", `invalid value "" for flag -moov-api`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runIn(t, tc.env, tc.args...)
			assert.Equal(t, tc.code, code, "stdout %s\nstderr %s", out, errOut)
			assert.Contains(t, out, tc.out)
			assert.Contains(t, errOut, tc.err)
			if tc.code != 0 {
				assert.Empty(t, out, "errors go to stderr only")
			}
		})
	}
}

// A secret is never taken from the command line, under any of the names people try, and
// the refusal does not repeat it.
func TestTokenRefusesSecretInArgv(t *testing.T) {
	const secret = "hunter2-very-secret"
	for _, args := range [][]string{
		{"token", "moov", "--client-id", "x", "--secret", secret},
		{"token", "moov", "--client-id", "x", "--secret=" + secret},
		{"token", "moov", "-secret", secret},
		{"token", "--client-secret", secret, "moov"},
		{"token", "moov", "--client_secret=" + secret},
		{"token", "moov", "--password", secret},
	} {
		code, out, errOut := runIn(t, map[string]string{"PAYTOKEN_CLIENT_SECRET": "s"}, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "is not accepted: a secret on the command line leaks")
		assert.NotContains(t, errOut, secret)
	}
	// After "--" nothing is a flag.
	code, _, errOut := runIn(t, nil, "token", "--", "--secret")
	assert.Equal(t, 2, code)
	assert.NotContains(t, errOut, "is not accepted")
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), mode))
		require.NoError(t, os.Chmod(p, mode))
		return p
	}
	var warn bytes.Buffer
	s, err := readSecretFile(write("a", "s3cret\n", 0o600), &warn)
	require.NoError(t, err)
	assert.Equal(t, "s3cret", s)
	assert.Empty(t, warn.String())

	s, err = readSecretFile(write("crlf", "s3cret\r\nsecond line\n", 0o600), &warn)
	require.NoError(t, err)
	assert.Equal(t, "s3cret", s)

	s, err = readSecretFile(write("open", "s3cret", 0o644), &warn)
	require.NoError(t, err)
	assert.Equal(t, "s3cret", s)
	assert.Contains(t, warn.String(), "readable by other users")
	assert.NotContains(t, warn.String(), "s3cret")

	_, err = readSecretFile(write("empty", "\n", 0o600), &warn)
	assert.ErrorContains(t, err, "is empty")
	_, err = readSecretFile(filepath.Join(dir, "missing"), &warn)
	assert.Error(t, err)
	_, err = readSecretFile(dir, &warn)
	assert.ErrorContains(t, err, "is a directory")
}

func TestRedact(t *testing.T) {
	assert.Equal(t, "[redacted]", redact("short"))
	tok := strings.Repeat("a", 30) + "wxyz"
	assert.Equal(t, "aaaa…wxyz", redact(tok))
}

func TestLifetimeFormat(t *testing.T) {
	for d, want := range map[string]string{"720h": "30d", "1h": "1h", "15m": "15m", "90s": "1m30s", "0s": "permanent", "3s": "3s"} {
		dur, _ := timeParse(d)
		assert.Equal(t, want, lifetime(dur), d)
	}
}

func timeParse(s string) (time.Duration, error) { return time.ParseDuration(s) }

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
