package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/internal/testkit"
)

var urlLine = regexp.MustCompile(`^paytoken mock listening on (http://127\.0\.0\.1:\d+)$`)

// startMock execs `paytoken mock` on a free port and returns its URL once it serves.
func startMock(t *testing.T, args ...string) (*exec.Cmd, string, *testkit.SyncBuffer, *testkit.SyncBuffer) {
	t.Helper()
	cmd := command(nil, append([]string{"mock", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var out, errOut testkit.SyncBuffer
	cmd.Stderr = &errOut
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		close(urlc)
	}()
	select {
	case url, ok := <-urlc:
		require.True(t, ok, "paytoken mock ended without a URL; stderr: %s", errOut.String())
		return cmd, url, &out, &errOut
	case <-time.After(20 * time.Second):
		t.Fatalf("paytoken mock printed no URL; stderr: %s", errOut.String())
	}
	return nil, "", nil, nil
}

// curl does what `curl -s -X POST url -H ct -d body [-u id:secret]` does.
func curl(t *testing.T, c *http.Client, method, url, contentType, body, basic string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if id, secret, ok := strings.Cut(basic, ":"); ok {
		req.SetBasicAuth(id, secret)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	return resp.StatusCode, m
}

func TestMockCommand(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, url, out, errOut := startMock(t)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			assert.Eventually(t, func() bool { return strings.Contains(out.String(), "Serving until interrupted") }, 5*time.Second, 10*time.Millisecond)
			assert.Contains(t, out.String(), "demo-moov-secret", "the banner shows the demo credentials")

			const form, js = "application/x-www-form-urlencoded", "application/json"
			st, m := curl(t, c, "POST", url+"/token", js, `{"grant_type":"client_credentials","client_id":"demo-moneygo","client_secret":"demo-moneygo-secret","scope":"api"}`, "")
			assert.Equal(t, 200, st, "%v", m)
			st, m = curl(t, c, "POST", url+"/auth/token", form, "grant_type=client_credentials", "demo-moneykit:demo-moneykit-secret")
			assert.Equal(t, 201, st, "%v", m)
			st, m = curl(t, c, "POST", url+"/oauth2/token", js, `{"grant_type":"client_credentials","scope":"/accounts.read"}`, "demo-moov:demo-moov-secret")
			require.Equal(t, 200, st, "%v", m)
			moovTok := m["access_token"].(string)
			st, m = curl(t, c, "POST", url+"/_mock/mobifinance/codes", js, `{"client_id":"demo-mobifinance","redirect_uri":"https://miniapp.example.mn/callback"}`, "")
			require.Equal(t, 201, st, "%v", m)
			st, m = curl(t, c, "POST", url+"/v2/oauth/token", form,
				"grant_type=authorization_code&client_id=demo-mobifinance&client_secret=demo-mobifinance-secret&redirect_uri=https%3A%2F%2Fminiapp.example.mn%2Fcallback&code="+m["code"].(string), "")
			assert.Equal(t, 200, st, "%v", m)

			req, _ := http.NewRequest("GET", url+"/protected", nil)
			req.Header.Set("Authorization", "Bearer "+moovTok)
			resp, err := c.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 200, resp.StatusCode)

			require.NoError(t, cmd.Process.Signal(sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				require.NoError(t, err, "a clean exit (status 0); stderr: %s", errOut.String())
			case <-time.After(10 * time.Second):
				t.Fatal("paytoken mock did not stop")
			}
			assert.Contains(t, errOut.String(), "shutting down")
			assert.Contains(t, errOut.String(), "stopped")
			assert.Contains(t, errOut.String(), "path=/oauth2/token status=200", "requests are logged")
		})
	}
}

// A request held by an injected delay does not hold up the shutdown.
func TestMockCommandShutdownEndsDelays(t *testing.T) {
	cmd, url, _, errOut := startMock(t, "--quiet", "--lifetime", "moov=30s", "--client", "moov=ci:cs", "--moov-jwt")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	st, m := curl(t, c, "POST", url+"/oauth2/token", "application/json", `{"grant_type":"client_credentials"}`, "ci:cs")
	require.Equal(t, 200, st, "%v", m)
	assert.EqualValues(t, 30, m["expires_in"])
	assert.Equal(t, "jwt", m["token_type"])

	resp, err := c.Post(url+"/_mock/moov/faults", "application/json", strings.NewReader(`{"delay":"1h"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode)
	go func() {
		req, _ := http.NewRequest("POST", url+"/oauth2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "stderr: %s", errOut.String())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.NotContains(t, errOut.String(), "path=", "--quiet")
}

func TestMockCommandAddressInUse(t *testing.T) {
	_, url, _, _ := startMock(t, "--quiet")
	addr := strings.TrimPrefix(url, "http://")
	out, err := command(nil, "mock", "--addr", addr).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), "address already in use")
}
