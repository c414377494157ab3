package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paytoken/paytoken/mockserver"
)

const mockSynopsis = `Usage: paytoken mock [flags]

Runs the mock of all four providers' token endpoints until interrupted (SIGINT or SIGTERM),
for tests in any language. Each provider's token endpoint is on its documented path, so one
base URL serves all four. It prints the URL and the demo clients' credentials; the control
API under /_mock/ injects faults, registers clients and issues MobiFinance codes.

Example:
  paytoken mock --addr 127.0.0.1:8089 &
  curl -s -X POST http://127.0.0.1:8089/oauth2/token -u demo-moov:demo-moov-secret \
       -H 'Content-Type: application/json' -d '{"grant_type":"client_credentials"}'
`

// lifetimeFlags collects --lifetime provider=duration.
type lifetimeFlags map[mockserver.Provider]time.Duration

func (l lifetimeFlags) String() string { return "" }
func (l lifetimeFlags) Set(v string) error {
	name, d, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want provider=duration, as in moov=30s")
	}
	p, err := mockserver.ParseProvider(name)
	if err != nil {
		return err
	}
	dur, err := time.ParseDuration(d)
	if err != nil {
		return err
	}
	if dur < time.Second && !(p == mockserver.MobiFinance && dur == 0) {
		return errors.New("a token lifetime is at least 1s (0 for a permanent MobiFinance token)")
	}
	l[p] = dur
	return nil
}

// clientFlags collects --client provider=id:secret (the mock's clients are test fixtures;
// real secrets never go on a command line).
type clientFlags []struct {
	p          mockserver.Provider
	id, secret string
}

func (c *clientFlags) String() string { return "" }
func (c *clientFlags) Set(v string) error {
	name, cred, ok := strings.Cut(v, "=")
	id, secret, ok2 := strings.Cut(cred, ":")
	if !ok || !ok2 || id == "" || secret == "" {
		return errors.New("want provider=client_id:client_secret")
	}
	p, err := mockserver.ParseProvider(name)
	if err != nil {
		return err
	}
	*c = append(*c, struct {
		p          mockserver.Provider
		id, secret string
	}{p, id, secret})
	return nil
}

func runMock(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("mock", mockSynopsis)
	addr := fs.String("addr", "127.0.0.1:8089", "`host:port` to listen on (port 0 picks a free one)")
	quiet := fs.Bool("quiet", false, "do not log each request on stderr")
	jwt := fs.Bool("moov-jwt", false, `Moov answers token_type "jwt" with JWTs instead of "opaque"`)
	lifetimes := lifetimeFlags{}
	fs.Var(lifetimes, "lifetime", "token lifetime of a provider, as `provider=duration` (moov=30s); repeatable")
	var clients clientFlags
	fs.Var(&clients, "client", "register a test client, as `provider=id:secret`; repeatable")
	rest, code, ok := parse(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return usageError(stderr, "mock", "unexpected argument %q", rest[0])
	}

	opts := []mockserver.Option{}
	if !*quiet {
		opts = append(opts, mockserver.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	if *jwt {
		opts = append(opts, mockserver.WithMoovTokenType("jwt"))
	}
	for p, d := range lifetimes {
		opts = append(opts, mockserver.WithTokenLifetime(p, d))
	}
	for _, c := range clients {
		opts = append(opts, mockserver.WithClient(c.p, c.id, c.secret))
	}
	mock := mockserver.NewUnstarted(opts...)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return failure(stderr, "mock", err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "paytoken mock: warning: listening on %s, beyond loopback; the demo credentials are public and the control API is unauthenticated\n", ln.Addr())
	}
	url := "http://" + ln.Addr().String()
	printMockBanner(stdout, url, mock)

	srv := &http.Server{Handler: mock.Handler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		mock.Close()
		return failure(stderr, "mock", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "paytoken mock: shutting down")
	mock.Close() // ends injected delays, so the shutdown does not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		<-serveErr
		return failure(stderr, "mock", fmt.Errorf("shutdown: %w", err))
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return failure(stderr, "mock", err)
	}
	fmt.Fprintln(stderr, "paytoken mock: stopped")
	return exitOK
}

func printMockBanner(w io.Writer, url string, mock *mockserver.Server) {
	fmt.Fprintf(w, "paytoken mock listening on %s\n\n", url)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tTOKEN ENDPOINT\tCLIENT ID\tCLIENT SECRET\tLIFETIME")
	for _, e := range mock.Index().Providers {
		fmt.Fprintf(tw, "%s\tPOST %s%s\t%s\t%s\t%s\n", e.Provider.DisplayName(), url, e.TokenPath, e.DemoClientID, e.DemoSecret, lifetime(time.Duration(e.LifetimeSeconds)*time.Second))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nprotected endpoint: %s%s (Authorization: Bearer <token>)\n", url, mockserver.ProtectedPath)
	fmt.Fprintf(w, "MobiFinance code:   curl -s -X POST %s%smobifinance/codes -d '{\"client_id\":\"%s\",\"redirect_uri\":\"%s\"}'\n",
		url, mockserver.ControlPrefix, mockserver.DemoClientID(mockserver.MobiFinance), mockserver.DemoRedirectURI)
	fmt.Fprintf(w, "control API:        %s%s (faults, clients, codes, counts)\n", url, mockserver.ControlPrefix)
	fmt.Fprintln(w, "Serving until interrupted (Ctrl-C).")
}

// lifetime prints a token lifetime the way people say it: 30d, 1h, 15m, 90s, permanent.
func lifetime(d time.Duration) string {
	switch {
	case d <= 0:
		return "permanent"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Second:
		return d.Round(time.Second).String()
	}
	return d.String()
}
