package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paytoken/paytoken/auth"
)

// releaseScript deletes the lock only if it still holds our value: after our
// lease lapsed another process may hold it, and that lock is not ours to drop.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

// renewScript extends the lease only if the lock still holds our value; it
// answers 0 when the lock lapsed or another process took it.
var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
`)

// Lock takes the lock named key as a lease of ttl (auth asks for 5 s):
// SET <lock key> <random owner token> NX PX ttl. It returns
// auth.ErrLockHeld when another holder has the lock, and another error when
// Redis could not be asked.
//
// While the lock is held, a goroutine renews the lease every ttl/3 with a
// compare-and-pexpire script on the owner token, so a fetch may run longer
// than one lease. Renewal stops at unlock, when ctx is done, when a renewal
// finds the lock no longer ours (it lapsed, or Redis lost it in a failover
// and another process took it), or when renewals have failed for a whole
// lease (Redis unreachable: the lock has lapsed by then). A holder that
// dies, hangs or loses Redis therefore leaves a lock that lapses within one
// lease. A holder whose renewal stopped keeps its fetch; it just no longer
// keeps others from fetching, which is all the lock is for.
//
// unlock stops the renewal (and waits for its goroutine to end) and then
// releases the lock with a compare-and-delete on the owner token, so a late
// unlock never drops another process's lock. It may be called any number of
// times; it is bounded by the Store's timeout and is not affected by ctx's
// cancellation.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error) {
	if key == "" {
		return nil, errors.New("redisstore: lock: empty key")
	}
	ttl = ttl.Truncate(time.Millisecond)
	if ttl < 3*time.Millisecond {
		return nil, fmt.Errorf("redisstore: lock %q: lease %s is below 3ms (Redis counts in ms, and the lease is renewed every third of it)", key, ttl)
	}
	lk := s.LockKey(key)
	var buf [16]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+)
	owner := hex.EncodeToString(buf[:])

	bctx, cancel := s.bound(ctx)
	ok, err := s.rdb.SetNX(bctx, lk, owner, ttl).Result()
	cancel()
	if err != nil {
		s.noteError(err)
		return nil, fmt.Errorf("redisstore: lock %q: %w", lk, err)
	}
	if !ok {
		return nil, auth.ErrLockHeld
	}
	l := &lease{s: s, key: lk, owner: owner, ttl: ttl, stop: make(chan struct{}), done: make(chan struct{})}
	go l.renew(ctx)
	return l.release, nil
}

// lease is one held lock and its renewal goroutine.
type lease struct {
	s     *Store
	key   string
	owner string
	ttl   time.Duration
	stop  chan struct{} // closed by release
	done  chan struct{} // closed when renew returns
	once  sync.Once
	lost  bool // written by renew before done is closed: the lock is known not to be ours
}

// renew extends the lease every ttl/3 until release, ctx's end, the loss of
// the lock, or a lease's worth of failed renewals.
func (l *lease) renew(ctx context.Context) {
	defer close(l.done)
	every := l.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Each attempt gets at most a third of the lease, so a hung Redis
		// costs one attempt, not the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(every, l.s.timeoutOr(every)))
		n, err := renewScript.Run(rctx, l.s.rdb, []string{l.key}, l.owner, l.ttl.Milliseconds()).Int()
		cancel()
		switch {
		case err == nil && n == 1:
			lastOK = time.Now()
		case err == nil:
			l.lost = true
			return
		default:
			l.s.noteError(err)
			if time.Since(lastOK) >= l.ttl {
				return // lapsed in Redis by now, if Redis still has it at all
			}
		}
	}
}

// release stops the renewal and deletes the lock if it is still ours.
func (l *lease) release() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		if l.lost {
			return
		}
		rctx, cancel := l.s.bound(context.Background())
		defer cancel()
		// A failure leaves the lock to lapse at the end of its lease,
		// which is what the lease is for; there is nobody to report it to.
		if err := releaseScript.Run(rctx, l.s.rdb, []string{l.key}, l.owner).Err(); err != nil {
			l.s.noteError(err)
		}
	})
}
