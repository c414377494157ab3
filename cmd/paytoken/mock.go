package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
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

// maxLifetime keeps expires_in far from overflowing any client's 32-bit integer.
const maxLifetime = 10 * 365 * 24 * time.Hour

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
	if dur > maxLifetime {
		return fmt.Errorf("a token lifetime is at most %s (10 years)", maxLifetime)
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

// mockShutdownGrace is how long in-flight requests get once SIGINT/SIGTERM arrives: the
// mock's answers take microseconds, and the process promises to be gone within a second.
const mockShutdownGrace = 200 * time.Millisecond

func runMock(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("mock", mockSynopsis)
	addr := fs.String("addr", "127.0.0.1:8089", "`host:port` to listen on (port 0 picks a free one)")
	quiet := fs.Bool("quiet", false, "do not log each request on stderr")
	jwt := fs.Bool("moov-jwt", false, `Moov answers token_type "jwt" with JWTs instead of "opaque"`)
	moovAPI := mockserver.MoovSeed
	fs.Var(moovAPIFlag{&moovAPI}, "moov-api", "shape of Moov's answers: `seed` (its documentation page) or current (its OpenAPI document: token_type Bearer, expires_in a Unix time)")
	lifetimes := lifetimeFlags{}
	fs.Var(lifetimes, "lifetime", "token lifetime of a provider, as `provider=duration` (moov=30s); repeatable")
	var clients clientFlags
	fs.Var(&clients, "client", "register a test client, as `provider=id:secret`; repeatable")
	def := mockserver.DefaultLimits()
	lim := mockserver.Limits{ShutdownGrace: mockShutdownGrace, ReadTimeout: def.ReadTimeout,
		WriteTimeout: def.WriteTimeout, IdleTimeout: def.IdleTimeout, MaxEntries: def.MaxEntries}
	fs.Var(positiveDuration{&lim.ReadTimeout}, "read-timeout", "close a connection whose request (headers and body) takes longer than `duration` to arrive, answering 408 (headers: at most "+def.ReadHeaderTimeout.String()+")")
	fs.Var(positiveDuration{&lim.WriteTimeout}, "write-timeout", "give up on a request not answered within `duration` of its headers (injected delays end there)")
	fs.Var(positiveDuration{&lim.IdleTimeout}, "idle-timeout", "close a kept-alive connection idle for `duration`")
	fs.Var(positiveInt{&lim.MaxEntries}, "max-entries", "remember at most `n` tokens, refresh tokens, codes, clients and faults per provider")
	rest, code, ok := parse(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return usageError(stderr, "mock", "unexpected argument %q", rest[0])
	}
	if err := checkListenAddr(*addr); err != nil {
		return usageError(stderr, "mock", "--addr %q: %v", *addr, err)
	}

	opts := []mockserver.Option{mockserver.WithLimits(lim), mockserver.WithMoovAPI(moovAPI)}
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
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			return usageError(stderr, "mock", "--addr %q: not an address of this machine", *addr)
		}
		return failure(stderr, "mock", err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "paytoken mock: warning: listening on %s, beyond loopback; the demo credentials are public and the control API is unauthenticated\n", ln.Addr())
	}
	url := "http://" + ln.Addr().String()
	if err := printMockBanner(stdout, url, mock); err != nil {
		ln.Close()
		return failure(stderr, "mock", fmt.Errorf("writing the banner: %w", err))
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- mock.Serve(ln) }()
	select {
	case err := <-serveErr:
		mock.Close()
		return failure(stderr, "mock", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "paytoken mock: shutting down")
	// Close ends injected delays, gives in-flight requests the short grace, then closes
	// whatever connections remain (a client holding a half-sent body, say): the exit is
	// clean and quick whatever clients do.
	mock.Close()
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return failure(stderr, "mock", err)
	}
	fmt.Fprintln(stderr, "paytoken mock: stopped")
	return exitOK
}

// checkListenAddr says what is wrong with an address to listen on, before trying it: a
// missing or bad port, a host that is neither an IP address nor a name that resolves (a
// lookup that fails otherwise is left to the listen, as a failure rather than a usage error).
func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, as in 127.0.0.1:8089 (port 0 picks a free one)")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (port != "0" && n == 0) {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	if host == "" || net.ParseIP(host) != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := net.DefaultResolver.LookupHost(ctx, host); err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return fmt.Errorf("host %q: no such host", host)
		}
	}
	return nil
}

// positiveDuration is a flag.Value for a duration that must be above zero.
type positiveDuration struct{ d *time.Duration }

func (p positiveDuration) String() string {
	if p.d == nil {
		return ""
	}
	return p.d.String()
}

func (p positiveDuration) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("want a duration, as in 500ms or 30s")
	}
	if d <= 0 {
		return errors.New("must be above zero")
	}
	*p.d = d
	return nil
}

// positiveInt is a flag.Value for a count that must be above zero.
type positiveInt struct{ n *int }

func (p positiveInt) String() string {
	if p.n == nil {
		return ""
	}
	return strconv.Itoa(*p.n)
}

func (p positiveInt) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return errors.New("want a whole number above zero")
	}
	*p.n = n
	return nil
}

// printMockBanner writes the URL, the demo clients and how to use them, in one write, and
// reports whether it reached w.
func printMockBanner(w io.Writer, url string, mock *mockserver.Server) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "paytoken mock listening on %s\n\n", url)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tTOKEN ENDPOINT\tCLIENT ID\tCLIENT SECRET\tLIFETIME")
	for _, e := range mock.Index().Providers {
		fmt.Fprintf(tw, "%s\tPOST %s%s\t%s\t%s\t%s\n", e.Provider.DisplayName(), url, e.TokenPath, e.DemoClientID, e.DemoSecret, lifetime(time.Duration(e.LifetimeSeconds)*time.Second))
	}
	_ = tw.Flush() // into a bytes.Buffer: cannot fail
	fmt.Fprintf(&b, "\nprotected endpoint: %s%s (Authorization: Bearer <token>)\n", url, mockserver.ProtectedPath)
	fmt.Fprintf(&b, "MobiFinance code:   curl -s -X POST %s%smobifinance/codes -d '{\"client_id\":\"%s\",\"redirect_uri\":\"%s\"}'\n",
		url, mockserver.ControlPrefix, mockserver.DemoClientID(mockserver.MobiFinance), mockserver.DemoRedirectURI)
	fmt.Fprintf(&b, "control API:        %s%s (faults, clients, codes, counts)\n", url, mockserver.ControlPrefix)
	fmt.Fprintln(&b, "Serving until interrupted (Ctrl-C).")
	_, err := w.Write(b.Bytes())
	return err
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
