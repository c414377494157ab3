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
// never modifies a token it has published). The zero value is not usable;
// call NewMemoryStore.
type MemoryStore struct {
	mu    sync.Mutex
	toks  map[string]*oauth2.Token
	locks map[string]memLock
	seq   uint64
	now   func() time.Time
}

type memLock struct {
	id    uint64
	until time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{toks: map[string]*oauth2.Token{}, locks: map[string]memLock{}, now: time.Now}
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
	m.toks[key] = tok
	return nil
}

// Lock takes the lock named key for at most ttl, or fails with ErrLockHeld.
func (m *MemoryStore) Lock(_ context.Context, key string, ttl time.Duration) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.locks[key]; ok && now.Before(l.until) {
		return nil, ErrLockHeld
	}
	m.seq++
	id := m.seq
	m.locks[key] = memLock{id: id, until: now.Add(ttl)}
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if l, ok := m.locks[key]; ok && l.id == id {
			delete(m.locks, key)
		}
	}, nil
}

// StoreKey builds the Store key provider packages pass to
// WithDefaultStoreKey: provider, client id and the sorted, de-duplicated
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
