package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
