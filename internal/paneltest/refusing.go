//go:build unix

package paneltest

import (
	"fmt"
	"syscall"
	"testing"
)

// RefusingAddress returns a loopback address where nothing listens and nothing can start to
// for as long as the test runs: a socket holds the port without listening, so connections to
// it are refused. A port taken from a listener that was then closed could be handed to the
// next server a test starts, which would then answer.
func RefusingAddress(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("paneltest: socket name %T", sa)
	}
	return fmt.Sprintf("127.0.0.1:%d", in4.Port)
}
