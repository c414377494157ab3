//go:build unix

package testenv_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/paytoken/paytoken/internal/testenv"
)

func TestRefusedAddr(t *testing.T) {
	addr := testenv.RefusedAddr(t)
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			t.Fatalf("dial %s connected", addr)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial %s: %v, want connection refused", addr, err)
		}
	}
	// Nobody else may listen on it meanwhile.
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("listening on the refused address %s succeeded", addr)
	}
}
