// Package redistest runs a throwaway redis-server process for tests: on a
// free loopback port, with persistence off, killed when the test ends.
//
// When redis-server is not on PATH, Start skips the test with a message
// saying how to install it, unless the CI environment variable is set, in
// which case it fails the test: CI must never silently skip the Redis tests.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paytoken/paytoken/internal/testkit"
)

// Binary is the program Start runs, looked up on PATH.
const Binary = "redis-server"

// startTimeout bounds how long Start and Restart wait for PING to answer.
const startTimeout = 15 * time.Second

// Server is one redis-server process.
type Server struct {
	// Addr is host:port, always on 127.0.0.1.
	Addr string
	// Port is the TCP port the server listens on; Restart reuses it.
	Port int

	tb   testing.TB
	path string
	// args returns the command line for a server on port (nil: plain
	// redis-server, see defaultArgs).
	args func(port int) []string

	mu   sync.Mutex
	proc *proc
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	logs *testkit.SyncBuffer
}

// Require returns the path of redis-server, or skips (CI unset) or fails
// (CI set) tb when it is missing.
func Require(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath(Binary)
	if err == nil {
		return path
	}
	const how = "install it (apt-get install -y redis-server, brew install redis) to run the Redis tests"
	if os.Getenv("CI") != "" {
		tb.Fatalf("redistest: %s not found on PATH and CI is set, so this is a failure, not a skip: %s", Binary, how)
	}
	tb.Skipf("redistest: skipping: %s not found on PATH; %s (with CI set this is a failure)", Binary, how)
	return ""
}

// Start runs redis-server on a free loopback port and waits until it
// answers PING. The process is killed when the test (or benchmark) ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, nil)
}

// StartArgs is Start with extra redis-server arguments after the defaults
// (later arguments win): "--replicaof", "127.0.0.1 6379", for instance.
func StartArgs(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	return start(tb, func(port int) []string { return append(defaultArgs(port), extra...) })
}

func start(tb testing.TB, args func(port int) []string) *Server {
	tb.Helper()
	path := Require(tb)
	s := &Server{tb: tb, path: path, args: args}
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redistest: finding a free port: %v", err)
		}
		s.Port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Kill)
			return s
		}
		// Most likely someone else took the port between freePort and
		// redis-server's bind: try another.
	}
	tb.Fatalf("redistest: starting %s: %v", Binary, lastErr)
	return nil
}

// Kill stops the server with SIGKILL (no shutdown, like a crash) and waits
// for it to exit. It is safe to call more than once.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Restart starts a new, empty redis-server on the same port after Kill.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Kill()
	deadline := time.Now().Add(startTimeout)
	var err error
	for time.Now().Before(deadline) {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.tb.Fatalf("redistest: restarting %s on port %d: %v", Binary, s.Port, err)
}

// Running reports whether the process is up (it may not answer yet).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Logs returns what the server wrote to stdout and stderr so far.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return ""
	}
	return s.proc.logs.String()
}

// Client returns a go-redis client for the server with the settings these
// tests rely on: context deadlines apply to socket I/O, and short dial and
// read timeouts so that a dead server is noticed quickly. It is closed when
// the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(ClientOptions(s.Addr))
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// ClientOptions are the options Client uses, for processes that build
// their own client from an address.
func ClientOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		MaxRetries:            1,
	}
}

// defaultArgs are the arguments of a plain, throwaway server on port.
func defaultArgs(port int) []string {
	return []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--loglevel", "warning",
		"--dir", os.TempDir(),
	}
}

func (s *Server) start() error {
	args := defaultArgs(s.Port)
	if s.args != nil {
		args = s.args(s.Port)
	}
	cmd := exec.Command(s.path, args...)
	logs := &testkit.SyncBuffer{}
	cmd.Stdout = logs
	cmd.Stderr = logs
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), logs: logs}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited at startup: %s", Binary, bytes.TrimSpace([]byte(logs.String())))
		default:
		}
		if err := Ping(s.Addr, 200*time.Millisecond); err == nil {
			break
		} else if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-p.done
			return fmt.Errorf("no answer to PING on %s after %s: %w; logs: %s", s.Addr, startTimeout, err, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// Ping sends one PING to addr over a fresh connection and expects +PONG.
func Ping(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return errors.New("unexpected answer to PING: " + strconv.Quote(line))
	}
	return nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before redis-server binds it; Start retries when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
