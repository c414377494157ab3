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
type Locker interface {
	// Lock takes the lock named key for at most ttl. It returns
	// ErrLockHeld when another holder has it; unlock releases it only if it
	// is still ours.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// ErrLockHeld is returned by Locker.Lock when another holder has the lock.
var ErrLockHeld = errors.New("auth: lock held by another process")
