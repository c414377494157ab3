package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/mockserver"
)

// demoRow is what the demo found out about one provider.
type demoRow struct {
	p         mockserver.Provider
	tok       *oauth2.Token
	took      time.Duration // the token fetch, retries included
	requests  int           // token requests the mock saw
	status    int           // the protected call's status
	answer    mockserver.ProtectedAnswer
	err       error
	errorStep string
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", demoSynopsis)
	faults := fs.Bool("faults", false, "first make each token endpoint fail once (503, 429 with Retry-After), to show the SDK's retries;\nMobiFinance's exchange is never retried, so it is left alone")
	timeout := timeoutFlag(fs)
	rest, code, ok := parse(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return usageError(stderr, "demo", "unexpected argument %q", rest[0])
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	mock := mockserver.New()
	defer mock.Close()
	if *faults {
		mock.InjectFault(mockserver.MoneyGo, mockserver.Fault{Status: http.StatusServiceUnavailable, Times: 1})
		mock.InjectFault(mockserver.MoneyKit, mockserver.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1})
		mock.InjectFault(mockserver.Moov, mockserver.Fault{Status: http.StatusTooManyRequests, RetryIn: "500", Times: 1})
	}
	return demoOn(ctx, mock, stdout, stderr)
}

// demoOn runs the demo against a running mock.
func demoOn(ctx context.Context, mock *mockserver.Server, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "paytoken demo: the SDK against the built-in mock server at %s (no network, no account)\n\n", mock.URL)

	hc := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	var rows []demoRow
	for _, p := range mockserver.Providers() {
		r := demoProvider(ctx, mock, p, hc)
		r.requests = mock.Counts(p).TokenRequests
		rows = append(rows, r)
	}
	printDemo(stdout, rows)

	failed := 0
	for _, r := range rows {
		if r.err != nil {
			failed++
			fmt.Fprintf(stderr, "paytoken demo: %s: %s: %v\n", r.p.DisplayName(), r.errorStep, r.err)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "paytoken demo: %d of %d providers failed\n", failed, len(rows))
		return exitFailure
	}
	fmt.Fprintln(stdout, "\nAll four providers: token fetched through the SDK, protected call answered 200 with Authorization: Bearer.")
	return exitOK
}

// demoProvider gets a token through the provider package, then calls the protected endpoint
// with the package's authorized client (seeded with that token, so no second fetch).
func demoProvider(ctx context.Context, mock *mockserver.Server, p mockserver.Provider, hc *http.Client) (r demoRow) {
	r.p = p
	o := tokenOpts{provider: p, clientID: mockserver.DemoClientID(p), secret: mockserver.DemoClientSecret(p), baseURL: mock.URL, httpClient: hc}
	switch p {
	case mockserver.Moov:
		o.scope = "/accounts.read"
	case mockserver.MobiFinance:
		code, err := mock.IssueCode(o.clientID, mockserver.DemoRedirectURI)
		if err != nil {
			r.err, r.errorStep = err, "authorization code"
			return r
		}
		o.code, o.redirectURL = code, mockserver.DemoRedirectURI
	}
	start := time.Now()
	var client *http.Client
	var newClient func() *http.Client
	if r.tok, newClient, r.err = fetchToken(ctx, o); r.err == nil {
		client = newClient()
	}
	r.took = time.Since(start)
	if r.err != nil {
		r.errorStep = "token"
		return r
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mock.ProtectedURL(), nil)
	if err != nil {
		r.err, r.errorStep = err, "protected call"
		return r
	}
	resp, err := client.Do(req)
	if err != nil {
		r.err, r.errorStep = err, "protected call"
		return r
	}
	defer resp.Body.Close()
	r.status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case err != nil:
		r.err = err
	case resp.StatusCode != http.StatusOK:
		r.err = fmt.Errorf("%s: %s", resp.Status, body)
	default:
		r.err = json.Unmarshal(body, &r.answer)
	}
	if r.err == nil && r.answer.Provider != p {
		r.err = fmt.Errorf("the protected endpoint saw a %s token, not a %s one", r.answer.Provider, p)
	}
	if r.err != nil {
		r.errorStep = "protected call"
	}
	return r
}

func printDemo(w io.Writer, rows []demoRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tTOKEN TYPE\tLIFETIME\tTOOK\tTOKEN REQUESTS\tPROTECTED CALL")
	for _, r := range rows {
		typ, life, took := "-", "-", "-"
		if r.tok != nil {
			typ = r.tok.Type()
			if raw := rawTokenType(r.tok); raw != typ {
				typ += " (" + raw + ")"
			}
			life = "permanent"
			if !r.tok.Expiry.IsZero() {
				life = lifetime(time.Until(r.tok.Expiry).Round(time.Minute))
			}
			took = r.took.Round(10 * time.Microsecond).String()
		}
		call := fmt.Sprintf("%d %s, client %s", r.status, http.StatusText(r.status), r.answer.ClientID)
		if r.err != nil {
			call = "FAILED at " + r.errorStep
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.p.DisplayName(), typ, life, took, r.requests, call)
	}
	_ = tw.Flush() // a failed write is kept by run's outWriter, which fails the command
}
