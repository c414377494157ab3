package auth

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// MemoryStore is a Store (and Locker) in this process's memory, for
// Sources of one process to share tokens: give each Source
// WithStore(sharedStore, "") and those with the same default key (same
// provider, client and scopes) fetch once between them. It keeps the token
// pointers it is given, which must not be modified afterwards (a Source
// never modifies a token it has published). The zero value is an empty
// store, ready to use; a MemoryStore must not be copied after first use.
type MemoryStore struct {
	mu    sync.Mutex
	toks  map[string]*oauth2.Token
	locks map[string]uint64 // lock name → holder id
	seq   uint64
}

// Load returns the token saved under key, or (nil, nil).
func (m *MemoryStore) Load(_ context.Context, key string) (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.toks[key], nil
}

// Save stores tok under key; a nil tok deletes the entry.
func (m *MemoryStore) Save(_ context.Context, key string, tok *oauth2.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tok == nil {
		delete(m.toks, key)
		return nil
	}
	if m.toks == nil {
		m.toks = map[string]*oauth2.Token{}
	}
	m.toks[key] = tok
	return nil
}

// Lock takes the lock named key, or fails with ErrLockHeld. Its holder is
// in this process, so it cannot die and leave the lock behind: the lease is
// in effect renewed until unlock, and ttl is not needed.
func (m *MemoryStore) Lock(_ context.Context, key string, _ time.Duration) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, held := m.locks[key]; held {
		return nil, ErrLockHeld
	}
	m.seq++
	id := m.seq
	if m.locks == nil {
		m.locks = map[string]uint64{}
	}
	m.locks[key] = id
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.locks[key] == id {
			delete(m.locks, key)
		}
	}, nil
}

// StoreKey builds the Store key provider packages pass to
// withDefaultStoreKey: provider, client id and the sorted, de-duplicated
// scopes — never a secret. Each part is escaped, so different inputs never
// share a key: StoreKey("moov", "cid", "/b", "/a") ==
// "v1:moov:cid:%2Fa+%2Fb".
func StoreKey(provider, clientID string, scopes ...string) string {
	sc := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s = strings.TrimSpace(s); s != "" {
			sc = append(sc, s)
		}
	}
	slices.Sort(sc)
	sc = slices.Compact(sc)
	for i, s := range sc {
		sc[i] = keyEscape(s)
	}
	return "v1:" + keyEscape(provider) + ":" + keyEscape(clientID) + ":" + strings.Join(sc, "+")
}

// keyEscape escapes everything but unreserved characters, ':' and '+'
// included, so the separators stay unambiguous.
func keyEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
