package auth

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// Store keeps tokens outside a Source, so that several Sources (in one
// process or in a fleet of processes) share one token, and so a token
// survives a restart. Implementations must be safe for concurrent use.
type Store interface {
	// Load returns the token saved under key, or (nil, nil) when there is none.
	Load(ctx context.Context, key string) (*oauth2.Token, error)
	// Save stores tok under key, replacing what was there.
	Save(ctx context.Context, key string, tok *oauth2.Token) error
}

// Locker is implemented by Stores that can hold a lock across processes, so
// that only one of them fetches a token while the others wait for it.
//
// The lock is a lease: a Source asks for ttl = 5s, and the Locker keeps the
// lock for its holder, renewing the lease before it runs out, until unlock
// is called. A holder that dies, hangs or loses the Store stops renewing, so
// its lock lapses within one lease and the waiting processes take over. A
// Source never counts on the lock for correctness, only to save fetches: a
// process that waited one lease (or, for a background refresh, until its
// token expires) without getting a token fetches without the lock.
type Locker interface {
	// Lock takes the lock named key as a lease of ttl, renewed while it is
	// held. It returns ErrLockHeld when another holder has it. unlock stops
	// the renewal and releases the lock only if it is still ours; it may be
	// called more than once.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// ErrLockHeld is returned by Locker.Lock when another holder has the lock.
var ErrLockHeld = errors.New("auth: lock held by another process")
