// Package testkit holds test machinery shared by the module's tests: small
// helpers that each test package would otherwise copy.
package testkit

import (
	"bytes"
	"context"
	"encoding/base64"
	"sync"

	"github.com/paytoken/paytoken/auth"
)

// ObserverFunc adapts a function to an auth.Observer.
type ObserverFunc func(ctx context.Context, ev auth.Event)

// Observe calls f(ctx, ev).
func (f ObserverFunc) Observe(ctx context.Context, ev auth.Event) { f(ctx, ev) }

// SyncBuffer is a bytes.Buffer that may be written from several goroutines
// (a log handler's, exec's copying goroutine) while it is read.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// BasicHeader is the Authorization header value of HTTP Basic credentials,
// id and secret sent as given (RFC 7617, not form-encoded first).
func BasicHeader(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}
