//go:build unix

package testenv

import (
	"net"
	"syscall"
	"testing"
)

// RefusedAddr returns a loopback address ("127.0.0.1:port") that refuses
// every connection for as long as t runs.
//
// A port that was listened on and closed is not enough: the packages'
// tests run in parallel processes, and any of them may be given the freed
// port for a server of its own, so a dial meant to be refused reaches it.
// RefusedAddr holds the port instead with a socket that is bound but never
// listens: the kernel answers a connection to it with a reset (ECONNREFUSED)
// and gives the port to nobody else until t's cleanup closes the socket.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("testenv: a socket for a refused address: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("testenv: binding a refused address: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("testenv: the refused address's port: %v", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("testenv: the refused address is a %T", sa)
	}
	return (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: in4.Port}).String()
}
