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
// TTL ran out another process may hold it, and that lock is not ours to drop.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

// Lock takes the lock named key for at most ttl: SET <prefix>lock:key <random>
// NX PX ttl. It returns auth.ErrLockHeld when another holder has it, and
// another error when Redis could not be asked. The returned unlock releases
// the lock only while it still holds this call's random value (a Lua
// compare-and-delete), so calling it after the TTL ran out, when another
// process may have taken the lock, leaves that process's lock alone. unlock
// may be called any number of times; it is bounded by the Store's timeout
// and is not affected by ctx's cancellation.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error) {
	if key == "" {
		return nil, errors.New("redisstore: lock: empty key")
	}
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("redisstore: lock %q: ttl %s is below Redis's 1ms resolution", key, ttl)
	}
	lk := s.LockKey(key)
	var buf [16]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+)
	token := hex.EncodeToString(buf[:])

	bctx, cancel := s.bound(ctx)
	defer cancel()
	ok, err := s.rdb.SetNX(bctx, lk, token, ttl.Truncate(time.Millisecond)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: lock %q: %w", lk, err)
	}
	if !ok {
		return nil, auth.ErrLockHeld
	}

	release := context.WithoutCancel(ctx)
	var once sync.Once
	return func() {
		once.Do(func() {
			rctx, cancel := s.bound(release)
			defer cancel()
			// A failure leaves the lock to expire at its TTL, which is
			// what the TTL is for; there is nobody to report it to.
			_ = releaseScript.Run(rctx, s.rdb, []string{lk}, token).Err()
		})
	}, nil
}
