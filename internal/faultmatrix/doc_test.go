package faultmatrix_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/failure-behaviour.md from the fault matrix from the fault matrix")

// readmePath is docs/failure-behaviour.md, from this package's directory; the generated
// table lives between these two markers.
var readmePath = filepath.Join("..", "..", "docs", "failure-behaviour.md")

const (
	beginMarker = "<!-- failure-behaviour:start -->\n"
	endMarker   = "<!-- failure-behaviour:end -->\n"
)

// TestFailureBehaviourDoc keeps docs/failure-behaviour.md equal
// to what the fault matrix asserts (rows' outcomes are checked by
// TestFaultMatrix), so the table cannot drift from the SDK:
//
//	go test ./internal/faultmatrix -run TestFailureBehaviourDoc -update
func TestFailureBehaviourDoc(t *testing.T) {
	want := failureBehaviourDoc()
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte(beginMarker))
	end := bytes.Index(readme, []byte(endMarker))
	if start < 0 || end < start {
		t.Fatalf("%s has no %q … %q section for the failure-behaviour table", readmePath, beginMarker, endMarker)
	}
	start += len(beginMarker)
	got := readme[start:end]
	if *update {
		out := append(append(append([]byte{}, readme[:start]...), want...), readme[end:]...)
		if err := os.WriteFile(readmePath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s's failure-behaviour section differs from the fault matrix; regenerate it:\n\tgo test ./internal/faultmatrix -run TestFailureBehaviourDoc -update\n%s",
			readmePath, firstDiff(string(got), string(want)))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n\thave %q\n\twant %q", i+1, gl, wl)
		}
	}
	return ""
}

// kindDoc is how the doc names an outcome's kind.
func kindDoc(k string) string {
	switch k {
	case kToken:
		return "**token**"
	case kNetwork:
		return "network error"
	case kTimeout:
		return "timeout (`net.Error`)"
	case kRedirect:
		return "`*auth.Error` with the 3xx status"
	}
	return "`auth." + k + "`"
}

func outcomeDoc(o outcome) string {
	return fmt.Sprintf("%s — %s, %d req.", o.does, kindDoc(o.kind), o.requests)
}

func failureBehaviourDoc() []byte {
	var b strings.Builder
	b.WriteString(`<!-- Generated from the fault matrix (internal/faultmatrix/matrix_test.go) by
     go test ./internal/faultmatrix -run TestFailureBehaviourDoc -update
     Do not edit by hand: the test fails when this section and the matrix differ. -->

What paytoken does when a token endpoint misbehaves. Every row is a case of the fault matrix,
run for all four providers against a hostile test server and, where the mock can show the
fault, through ` + "`mockserver`" + `'s fault injection; ` + "`PAYTOKEN_LONG=1 go test ./internal/faultmatrix`" + `
(as CI runs it) fails if the SDK stops doing what this table says. A plain ` + "`go test`" + ` checks
every row for MobiFinance and for one of the other three providers, in turn.

- **Money-Go, MoneyKit, Moov**: a fetch through ` + "`TokenSource`" + ` or ` + "`Client`" + ` (` + "`Config.Token`" + ` is the same
  fetch under the default ` + "`auth.RetryPolicy`" + `). Retries follow the ` + "`auth.RetryPolicy`" + `: 3 attempts by
  default, full-jitter exponential backoff, a server's ` + "`Retry-After`" + ` / ` + "`X-Retry-In`" + ` honoured up to
  ` + "`MaxRetryAfter`" + `, never past the context's deadline. A fetch whose context has no deadline
  (` + "`Token()`" + `, ` + "`Config.Token(context.Background())`" + `) has a budget of 30 s for all its attempts
  (` + "`auth.WithFetchTimeout`" + ` for a Source): then it fails with a timeout that names the provider
  and does not match ` + "`context.DeadlineExceeded`" + `, which only a caller's own deadline gives.
- **MobiFinance**: ` + "`Exchange`" + ` of a single-use authorization code. It is retried only when the
  request provably never left the machine (a failed dial or DNS lookup); anything that may have
  reached the server is returned at once, and the user authorizes again. Every failure matches
  ` + "`mobifinance.ErrCodeNotSent`" + ` (nothing can have reached the server: the code may be sent
  again) or ` + "`mobifinance.ErrReauthorize`" + ` (treat the code as spent).
- *req.* counts the requests that reached the token endpoint. Errors match their kind with
  ` + "`errors.Is`" + ` (` + "`errors.Is(err, auth.ErrRateLimited)`" + `); an ` + "`*auth.Error`" + ` keeps the HTTP status,
  the provider's code, ` + "`Retry-After`" + ` and at most 4 KiB of the body. No fault yields a token with
  an empty access token.
- *(once)*: only the first request misbehaves; a second one would get a token. Otherwise every
  request does.

| Fault | Money-Go, MoneyKit, Moov | MobiFinance ` + "`Exchange`" + ` |
|---|---|---|
`)
	for _, r := range rows {
		cc, mf := outcomeDoc(r.cc), outcomeDoc(r.mf)
		for _, p := range providers {
			if o, ok := r.override[p.name]; ok {
				note := fmt.Sprintf(" (%s: %s)", p.display, kindDoc(o.kind))
				if p.oneShot {
					mf += note
				} else {
					cc += note
				}
			}
		}
		transient := ""
		if r.times == 1 && !(r.cc.kind == kToken && r.cc.requests == 1) {
			transient = " *(once)*"
		}
		fmt.Fprintf(&b, "| %s%s | %s | %s |\n", strings.ReplaceAll(r.fault, "|", `\|`), transient, cc, mf)
	}
	b.WriteString(tcpDoc())
	b.WriteString(`
Also checked, for every provider (` + "`internal/faultmatrix`" + `):

- **No credential leaves in clear text**: a plain-` + "`http`" + ` ` + "`BaseURL`" + ` to a host that is not loopback
  fails with ` + "`auth.ErrInsecureURL`" + ` (an ` + "`*auth.ConfigError`" + ` naming ` + "`BaseURL`" + `) before any connection is
  attempted.
- **Redirects are not followed** from a token endpoint (301, 302, 303, 307, 308), whatever the
  ` + "`HTTPClient`" + `'s ` + "`CheckRedirect`" + ` says: the other host sees no request.
- **Bodies are bounded**: a token answer is read through a 1 MiB limit (an endless body is cut
  there); an ` + "`*auth.Error`" + ` keeps at most 4 KiB of it.
- **Secrets stay secret**: the client secret, the authorization code and the tokens never show
  in an error, a formatted ` + "`Config`" + `, a log line (` + "`auth.WithLogger`" + `) or a panic, even when the server
  echoes them back (` + "`TestSecretHygiene`" + `).
`)
	return []byte(b.String())
}
