package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

// execBinary runs the built paytoken with stdout going to out (nil: a buffer) and returns
// the exit status, stdout (when buffered) and stderr.
func execBinary(t *testing.T, env []string, out *os.File, args ...string) (int, string, string) {
	t.Helper()
	cmd := command(append(os.Environ(), env...), args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if out != nil {
		cmd.Stdout = out
	}
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		code = ee.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// Every command fails (status 1, a message on stderr) when its output cannot be written:
// a full disk (/dev/full) or a pipe nobody reads any more.
func TestOutputWriteErrorsFail(t *testing.T) {
	t.Parallel()
	mock := mockserver.New()
	t.Cleanup(mock.Close)
	moov := []string{"PAYTOKEN_CLIENT_SECRET=" + mockserver.DemoClientSecret(mockserver.Moov)}
	tokenArgs := []string{"token", "moov", "--client-id", mockserver.DemoClientID(mockserver.Moov), "--base-url", mock.URL}
	cases := []struct {
		name string
		env  []string
		args []string
		msg  string
	}{
		{"demo", nil, []string{"demo"}, "paytoken demo: writing the output: "},
		{"help", nil, []string{"help"}, "paytoken help: writing the output: "},
		{"--help", nil, []string{"--help"}, "paytoken: writing the output: "},
		{"demo --help", nil, []string{"demo", "--help"}, "paytoken demo: writing the output: "},
		{"help token", nil, []string{"help", "token"}, "paytoken help: writing the output: "},
		{"mock --help", nil, []string{"mock", "--help"}, "paytoken mock: writing the output: "},
		{"mock", nil, []string{"mock", "--addr", "127.0.0.1:0", "--quiet"}, "paytoken mock: writing the banner: "},
		{"token", moov, tokenArgs, "paytoken token: writing the output: "},
		{"token --json", moov, append(slices.Clip(tokenArgs), "--json"), "paytoken token: writing the output: "},
	}
	for _, tc := range cases {
		t.Run(tc.name+" > /dev/full", func(t *testing.T) {
			t.Parallel()
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skip("no /dev/full:", err)
			}
			defer full.Close()
			code, _, errOut := execBinary(t, tc.env, full, tc.args...)
			assert.Equal(t, 1, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, tc.msg+"write /dev/stdout: no space left on device")
		})
		t.Run(tc.name+" | closed pipe", func(t *testing.T) {
			t.Parallel()
			r, w, err := os.Pipe()
			require.NoError(t, err)
			r.Close() // nobody reads: the first write gets EPIPE, not a SIGPIPE death
			defer w.Close()
			code, _, errOut := execBinary(t, tc.env, w, tc.args...)
			assert.Equal(t, 1, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, tc.msg)
			assert.Contains(t, errOut, "broken pipe")
		})
	}
}

// Every usage error, in every command, exits 2 with a message on stderr naming the flag or
// value that is wrong, and nothing on stdout.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	secret := []string{"PAYTOKEN_CLIENT_SECRET=s"}
	cases := []struct {
		env  []string
		args []string
		msg  string
	}{
		{nil, nil, "Usage:"},
		{nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{nil, []string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{nil, []string{"help", "demo", "token"}, `one command at most, not "token"`},
		{nil, []string{"--help", "demo"}, `unexpected argument "demo" after --help`},
		{nil, []string{"demo", "--nope"}, "flag provided but not defined: -nope"},
		{nil, []string{"demo", "now"}, `unexpected argument "now"`},
		{nil, []string{"demo", "--timeout", "0"}, `invalid value "0" for flag -timeout: must be above zero`},
		{nil, []string{"demo", "--timeout", "soon"}, `invalid value "soon" for flag -timeout`},
		{nil, []string{"demo", "--faults=perhaps"}, `invalid boolean value "perhaps" for -faults`},
		{nil, []string{"mock", "--addr", "garbage"}, `--addr "garbage": want host:port`},
		{nil, []string{"mock", "--lifetime", "moov=5ms"}, "flag -lifetime: a token lifetime is at least 1s"},
		{secret, []string{"token"}, "which provider?"},
		{secret, []string{"token", "paypal", "--client-id", "x"}, `unknown provider "paypal"`},
		{secret, []string{"token", "moov"}, "--client-id is required"},
		{secret, []string{"token", "moov", "--client-id", "x", "--timeout", "-5s"}, `invalid value "-5s" for flag -timeout: must be above zero`},
		{secret, []string{"token", "moov", "--client-id", "x", "--base-url", "garbage"}, `--base-url: moov: Config.BaseURL: URL "garbage" is not absolute`},
		{secret, []string{"token", "moov", "--client-id", "x", "--base-url", "http://example.com"}, "--base-url: moov: Config.BaseURL: \"http://example.com\": insecure URL"},
		{secret, []string{"token", "moneykit", "--client-id", "x", "--base-url", "ftp://example.com"}, `--base-url: moneykit: Config.BaseURL`},
		{secret, []string{"token", "moov", "--client-id", "x", "--scope", `a"b`}, `--scope: moov: Config.Scopes[0]`},
		{secret, []string{"token", "mobifinance", "--client-id", "x", "--code", "c", "--redirect-url", "not a url"}, `--redirect-url: mobifinance: Config.RedirectURL`},
		{secret, []string{"token", "moov", "--client-id", "x", "--secret-env", ""}, "--secret-env needs the name of an environment variable"},
		{secret, []string{"token", "moov", "--client-id", "x", "--auth-style", "query"}, `--auth-style is header or body, not "query"`},
		{secret, []string{"token", "moov", "--client-id", "x", "--secret", "hunter2"}, "--secret is not accepted"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := execBinary(t, tc.env, nil, tc.args...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, tc.msg)
			assert.Empty(t, out, "usage errors go to stderr only")
		})
	}
}
