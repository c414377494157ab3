package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env looks up an environment variable; os.Getenv in main, a map in tests.
type env func(string) string

const usage = `paytoken gets OAuth2 tokens from Money-Go, MoneyKit, Moov and MobiFinance.

Usage:
  paytoken demo   [flags]              every provider end to end against the built-in mock
  paytoken token  <provider> [flags]   one token from the real provider
  paytoken mock   [flags]              run the mock server until interrupted
  paytoken help   [command]            this text, or a command's

Providers: moneygo, moneykit, moov, mobifinance.
Run 'paytoken <command> --help' for a command's flags.
Exit status: 0 success, 1 failure, 2 usage error.
`

// run is the whole program: main only wires the signals, the environment and the exit
// status. ctx ends on SIGINT/SIGTERM. A command whose output could not be written (a full
// disk, a closed pipe) fails, whatever it did otherwise: its user did not get its answer. A
// command that failed already has said why.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	out := &outWriter{w: stdout}
	code := dispatch(ctx, args, out, stderr, getenv)
	if out.err != nil && code == exitOK {
		name := "paytoken"
		if len(args) > 0 && commands[args[0]] {
			name += " " + args[0]
		}
		fmt.Fprintf(stderr, "%s: writing the output: %v\n", name, out.err)
		code = exitFailure
	}
	return code
}

// commands are the command names, for messages.
var commands = map[string]bool{"demo": true, "token": true, "mock": true, "help": true}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr, getenv)
	case "mock":
		return runMock(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 1 && cmd == "help" {
			fmt.Fprintf(stderr, "paytoken help: one command at most, not %q\n\n%s", rest[1], usage)
			return exitUsage
		}
		if len(rest) > 0 && cmd == "help" {
			return dispatch(ctx, []string{rest[0], "--help"}, stdout, stderr, getenv)
		}
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "paytoken: unexpected argument %q after %s\n\n%s", rest[0], cmd, usage)
			return exitUsage
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "paytoken: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// outWriter keeps the first error writing a command's output; every later write fails
// with it, so a half-written table is not completed past a gap.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.err = err
	}
	return n, err
}

// newFlagSet makes a command's flag set; its usage text goes where parse sends it.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("paytoken "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprint(out, synopsis)
		fmt.Fprintln(out, "\nFlags:")
		fs.VisitAll(func(f *flag.Flag) {
			name, use := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if name != "" {
				line += " " + name
			}
			fmt.Fprintf(out, "%s\n        %s", line, strings.ReplaceAll(use, "\n", "\n        "))
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(out, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(out)
		})
	}
	return fs
}

// timeoutFlag is the -timeout flag of the commands that make requests:
// how long they may take in all, 30 s unless set.
func timeoutFlag(fs *flag.FlagSet) *time.Duration {
	timeout := 30 * time.Second
	fs.Var(positiveDuration{&timeout}, "timeout", "give up after this `duration`")
	return &timeout
}

// parse parses a command's flags, interleaved with positional arguments. --help prints the
// command's usage to stdout and ok is false with exitOK; a bad flag prints the error and
// the usage to stderr and ok is false with exitUsage.
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (positional []string, code int, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n\n", fs.Name(), err)
			fs.SetOutput(stderr)
			fs.Usage()
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, exitOK, true
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), exitOK, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// usageError reports a usage mistake on stderr: exit status 2.
func usageError(stderr io.Writer, cmd, format string, a ...any) int {
	fmt.Fprintf(stderr, "paytoken %s: %s\nRun 'paytoken %s --help' for usage.\n", cmd, fmt.Sprintf(format, a...), cmd)
	return exitUsage
}

// failure reports a failure on stderr: exit status 1.
func failure(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "paytoken %s: %v\n", cmd, err)
	return exitFailure
}
