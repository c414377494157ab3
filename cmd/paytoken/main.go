// Command paytoken gets OAuth2 tokens from Money-Go, MoneyKit, Moov and MobiFinance, runs the
// built-in mock of all four, and demonstrates the SDK end to end against it.
//
//	paytoken demo                          every provider end to end against the in-process mock
//	paytoken token <provider> [flags]      one token from the real provider
//	paytoken mock [--addr 127.0.0.1:8089]  the mock as a process, for tests in any language
//
// Run `paytoken <command> --help` for a command's flags. Exit status: 0 success, 1 failure,
// 2 usage error.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A closed pipe on stdout is a write error the command reports (exit 1, a message on
	// stderr), not a silent death by SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
