package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// asCLI, set in a child's environment, makes the test binary run as the
// paytoken command: the tests that exec the command exec the test binary
// itself, which saves building (and linking) a second binary of the
// package on every go test run.
const asCLI = "PAYTOKEN_TEST_AS_CLI"

// binary is the test binary, which runs as the paytoken command under asCLI.
var binary string

// command is exec.Command for the paytoken command: the test binary with
// asCLI set, in the environment env (nil: this process's).
func command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = slices.Concat(env, []string{asCLI + "=1"})
	return cmd
}

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		main()
		return
	}
	// go test always passes -test.* flags. Without them this binary was
	// exec'd as the command by a test that dropped asCLI from the
	// environment: running the tests again here would exec again, without end.
	if !slices.ContainsFunc(os.Args[1:], func(a string) bool { return strings.HasPrefix(a, "-test.") }) {
		fmt.Fprintln(os.Stderr, "paytoken.test: exec'd without "+asCLI+"=1 (use command() in tests)")
		os.Exit(125)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = exe
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
