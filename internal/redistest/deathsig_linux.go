package redistest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill redis-server if the test binary dies
// without running its cleanups (a panic, a timeout, SIGKILL). (Linux ties
// the signal to the OS thread that started the child; Go rarely retires
// threads, and Kill in a cleanup is the primary mechanism anyway.)
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
