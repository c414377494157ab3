// Package redisstore keeps paytoken's OAuth2 tokens in Redis, so that a fleet
// of processes shares one token per client instead of each fetching its own,
// and so that a token outlives a restart (MobiFinance user tokens, which are
// issued once per authorization code, are the case that needs it most).
//
// A *Store implements [auth.Store] and [auth.Locker]; pass it to a Source
// with auth.WithStore:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(key)) // key: 32 bytes
//	if err != nil { ... }
//	src := cfg.TokenSource(auth.WithStore(store, ""))
//
// # Encryption
//
// Tokens are bearer credentials: whoever reads one can spend it. With
// [WithEncryptionKey] every entry is sealed with AES-256-GCM under a fresh
// random nonce, with the entry's Redis key as associated data, so an entry
// read with another key, altered, or copied to another Redis key fails to
// open ([ErrCorrupt]) instead of yielding a token. A Store that has a key
// refuses plaintext entries too: an unauthenticated entry could have been
// planted by anyone who can write to Redis. [WithPreviousKeys] keeps old keys
// readable while a new one is rolled out; the next Save re-seals under the
// new key.
//
// Storing tokens in plaintext needs the explicit [Plaintext] option; New
// fails when given neither a key nor Plaintext.
//
// # Layout
//
// A token saved under key k lives at <prefix>{k} (default prefix
// "paytoken:"), with a TTL that ends at the token's expiry; a token without
// an expiry (MobiFinance documents its tokens as permanent) has no TTL. Its
// fetch lock lives at <prefix>{k}:lock. The braces are a Redis Cluster hash
// tag: a token and its lock always hash to the same slot, so they live on
// one master and fail over together. A prefix may therefore not contain
// braces itself (New refuses one that does), and keys passed to Load and
// Save may not begin with "lock:" (reserved by the earlier layout).
//
// Earlier versions of this package kept tokens at <prefix>k and locks at
// <prefix>lock:k. Load still reads a token from there when the new key holds
// none, so stored tokens (MobiFinance user tokens above all) survive the
// upgrade; Save writes only the new key, and Delete removes both. During a
// rolling upgrade, processes of the two versions do not share a lock or a
// freshly fetched token: each version fetches once per refresh until the
// old processes are gone.
//
// # The fetch lock
//
// The lock auth takes around a fetch is a lease (5 s) with a random owner
// token, renewed every third of the lease while the fetch runs and released
// with a compare-and-delete; see [Store.Lock]. A holder that dies, hangs or
// loses Redis leaves a lock that lapses within one lease.
//
// # Timeouts
//
// Every operation is bounded by [WithTimeout] (default 500 ms) on top of the
// caller's context, so a Redis outage turns into a prompt error, which auth
// answers with a direct fetch. go-redis applies a context's deadline to
// socket reads and writes only when the client's ContextTimeoutEnabled
// option is set; without it a Redis that hangs costs each operation the
// client's ReadTimeout (3 s by default) times its retries, not the Store's
// timeout. New therefore turns ContextTimeoutEnabled on in the options of a
// *redis.Client (plain or from redis.NewFailoverClient), *redis.ClusterClient
// or *redis.Ring it is given when it is off. Call New before the client is
// in use by other goroutines, or set the option yourself (then New writes
// nothing). A ClusterClient copies the option into each node's client when
// it first connects to that node, so nodes it connected to before New keep
// their setting.
//
// # Redis Cluster and Sentinel
//
// Any redis.UniversalClient works without further settings: redis.NewClient,
// redis.NewFailoverClient (Sentinel), redis.NewClusterClient and
// redis.NewUniversalClient. A ClusterClient reloads its slot map only every
// ClusterStateReloadInterval (60 s by default) or on MOVED/READONLY answers,
// so after a master dies it would keep sending that master's slots to the
// dead address. After a failed operation (connection errors, CLUSTERDOWN,
// TRYAGAIN, timeouts) the Store calls ClusterClient.ReloadState at once and
// then every 500 ms for 30 s (a timer, no goroutine), so a failed-over slot
// is found again within moments of the promotion, even by a process that
// does not touch Redis again until later. A failover client needs nothing: it asks Sentinel for the master
// on every new connection and drops a connection that answers READONLY.
package redisstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
)

// DefaultPrefix is the prefix of every Redis key a Store writes, unless
// WithPrefix says otherwise.
const DefaultPrefix = "paytoken:"

// DefaultTimeout bounds each Redis operation unless WithTimeout says otherwise.
const DefaultTimeout = 500 * time.Millisecond

// KeySize is the length of an encryption key: AES-256.
const KeySize = 32

// lockNamespace is the reserved start of keys: the earlier layout kept locks
// at <prefix>lock:k, next to tokens at <prefix>k.
const lockNamespace = "lock:"

// lockSuffix follows a token's Redis key to make its lock's key.
const lockSuffix = ":lock"

// ErrCorrupt is returned (wrapped, with the reason) by Load when an entry
// cannot be turned back into a token: it was sealed with a key this Store
// does not hold, altered, moved from another Redis key, written in plaintext
// when this Store expects encryption (or the reverse), or is not an entry of
// this package at all. The error never contains the entry's contents.
var ErrCorrupt = errors.New("redisstore: entry is unreadable")

var (
	_ auth.Store  = (*Store)(nil)
	_ auth.Locker = (*Store)(nil)
)

// Store is an auth.Store and auth.Locker on Redis. It is safe for
// concurrent use. Build it with New.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	reload  *reloader // for a *redis.ClusterClient, else nil

	// sealer is nil in plaintext mode. keys holds every key that opens
	// entries, sealer's included, by key id.
	sealer *sealKey
	keys   map[keyID]*sealKey
}

// Option configures New.
type Option func(*options)

type options struct {
	prefix      string
	key         []byte
	keySet      bool
	previous    [][]byte
	previousSet bool
	plaintext   bool
	timeout     time.Duration
	timeoutSet  bool
	prefixSet   bool
	errs        []error
}

// WithPrefix sets the prefix of every Redis key the Store uses (default
// DefaultPrefix). The empty prefix is allowed but shares the keyspace with
// whatever else is in the database.
func WithPrefix(prefix string) Option {
	return func(o *options) { o.prefix, o.prefixSet = prefix, true }
}

// WithEncryptionKey seals every entry with AES-256-GCM under key, which must
// be KeySize (32) random bytes, for instance from a secret manager. The Store
// keeps its own copy.
func WithEncryptionKey(key []byte) Option {
	return func(o *options) {
		if o.keySet {
			o.errs = append(o.errs, errors.New("WithEncryptionKey given more than once (use WithPreviousKeys for keys being rotated out)"))
		}
		o.key, o.keySet = append([]byte(nil), key...), true
	}
}

// WithPreviousKeys lets the Store open entries sealed with older keys, for
// rotating the key without losing stored tokens. New entries are always
// sealed with the WithEncryptionKey key. Each key must be KeySize bytes.
func WithPreviousKeys(keys ...[]byte) Option {
	return func(o *options) {
		for _, k := range keys {
			o.previous = append(o.previous, append([]byte(nil), k...))
		}
		o.previousSet = true
	}
}

// Plaintext stores tokens unencrypted. Anyone who can read the Redis
// database, its backups or its replication stream can then use the tokens.
// It is an explicit choice because New refuses to default to it.
func Plaintext() Option {
	return func(o *options) { o.plaintext = true }
}

// WithTimeout bounds each Redis operation (default DefaultTimeout). Zero
// leaves only the caller's context and the client's own timeouts.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout, o.timeoutSet = d, true }
}

// New returns a Store on client. It fails, naming the option at fault, when
// client is nil, when neither WithEncryptionKey nor Plaintext is given or
// both are, or when a key is not KeySize bytes.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	o := options{prefix: DefaultPrefix, timeout: DefaultTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	errs := o.errs
	if client == nil {
		errs = append(errs, errors.New("client is nil"))
	}
	if strings.ContainsAny(o.prefix, "{}") {
		errs = append(errs, fmt.Errorf("WithPrefix: %q contains a brace; the Store adds its own {…} hash tag so a token and its lock share a Redis Cluster slot", o.prefix))
	}
	if o.timeout < 0 {
		errs = append(errs, fmt.Errorf("WithTimeout: %s is negative", o.timeout))
	}
	switch {
	case o.keySet && o.plaintext:
		errs = append(errs, errors.New("WithEncryptionKey and Plaintext both given: choose one"))
	case !o.keySet && !o.plaintext:
		errs = append(errs, errors.New("no WithEncryptionKey: tokens are bearer credentials, so pass a 32-byte key, or opt out of encryption explicitly with Plaintext()"))
	case o.plaintext && o.previousSet:
		errs = append(errs, errors.New("WithPreviousKeys given with Plaintext: previous keys need a current WithEncryptionKey"))
	}
	s := &Store{rdb: client, prefix: o.prefix, timeout: o.timeout}
	if o.keySet && !o.plaintext {
		s.keys = map[keyID]*sealKey{}
		k, err := newSealKey(o.key)
		if err != nil {
			errs = append(errs, fmt.Errorf("WithEncryptionKey: %w", err))
		} else {
			s.sealer = k
			s.keys[k.id] = k
		}
		for i, raw := range o.previous {
			k, err := newSealKey(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("WithPreviousKeys: key %d: %w", i, err))
				continue
			}
			if _, dup := s.keys[k.id]; dup {
				// The same key twice, or (with odds of 2^-32) two keys
				// whose ids collide: either way an entry's key id would
				// not say which key opens it.
				errs = append(errs, fmt.Errorf("WithPreviousKeys: key %d repeats another key (or its key id collides; generate a new key)", i))
				continue
			}
			s.keys[k.id] = k
		}
	}
	clear(o.key)
	for _, k := range o.previous {
		clear(k)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("redisstore.New: %w", errors.Join(errs...))
	}
	enableContextTimeouts(client)
	if cc, ok := client.(*redis.ClusterClient); ok {
		s.reload = &reloader{cc: cc}
	}
	return s, nil
}

type sealKey struct {
	id   keyID
	aead cipher.AEAD
}

func newSealKey(key []byte) (*sealKey, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("key is %d bytes, want %d (AES-256)", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealKey{id: deriveKeyID(key), aead: aead}, nil
}

// Encrypted reports whether the Store seals its entries.
func (s *Store) Encrypted() bool { return s.sealer != nil }

// RedisKey returns the Redis key a token saved under key lives at:
// <prefix>{key}.
func (s *Store) RedisKey(key string) string { return s.prefix + "{" + key + "}" }

// LockKey returns the Redis key of the lock named key: <prefix>{key}:lock,
// in the same Cluster slot as RedisKey(key).
func (s *Store) LockKey(key string) string { return s.RedisKey(key) + lockSuffix }

// legacyKey is where versions before the hash-tagged layout kept the token.
func (s *Store) legacyKey(key string) string { return s.prefix + key }

// enableContextTimeouts turns on ContextTimeoutEnabled in the options of
// the go-redis clients that have it (see the package doc), writing only
// when it is off.
func enableContextTimeouts(c redis.UniversalClient) {
	switch c := c.(type) {
	case *redis.Client:
		if o := c.Options(); !o.ContextTimeoutEnabled {
			o.ContextTimeoutEnabled = true
		}
	case *redis.ClusterClient:
		if o := c.Options(); !o.ContextTimeoutEnabled {
			o.ContextTimeoutEnabled = true
		}
	case *redis.Ring:
		if o := c.Options(); !o.ContextTimeoutEnabled {
			o.ContextTimeoutEnabled = true
		}
	}
}

// noteError is told of every failed Redis operation. A ClusterClient's slot
// map may be stale (the slot's master died and a replica takes over, or the
// slot moved): see reloader.
func (s *Store) noteError(err error) {
	if err == nil || errors.Is(err, redis.Nil) || s.reload == nil {
		return
	}
	s.reload.failed()
}

// timeoutOr is the Store's timeout, or d when it has none.
func (s *Store) timeoutOr(d time.Duration) time.Duration {
	if s.timeout > 0 {
		return s.timeout
	}
	return d
}

func (s *Store) checkKey(op, key string) error {
	switch {
	case key == "":
		return fmt.Errorf("redisstore: %s: empty key", op)
	case strings.HasPrefix(key, lockNamespace):
		return fmt.Errorf("redisstore: %s: key %q begins with %q, which is reserved for locks", op, key, lockNamespace)
	}
	return nil
}

func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout > 0 {
		return context.WithTimeout(ctx, s.timeout)
	}
	return ctx, func() {}
}

// Load returns the token saved under key, or (nil, nil) when there is none
// (never saved, deleted, or past its expiry). An entry that cannot be read
// back yields an error wrapping ErrCorrupt; a Redis failure yields the
// client's error, wrapped.
func (s *Store) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	if err := s.checkKey("load", key); err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rk := s.RedisKey(key)
	b, err := s.rdb.Get(ctx, rk).Bytes()
	if errors.Is(err, redis.Nil) {
		// Not in the current layout: perhaps saved by an earlier version.
		// In a Cluster that key lives in another slot, on another master;
		// an error there (that master failing over) is not this token's
		// trouble, so it counts as a miss.
		rk = s.legacyKey(key)
		b, err = s.rdb.Get(ctx, rk).Bytes()
		if err != nil {
			s.noteError(err)
			return nil, nil
		}
	}
	if err != nil {
		s.noteError(err)
		return nil, fmt.Errorf("redisstore: load %q: %w", rk, err)
	}
	tok, err := s.decode(rk, b)
	if err != nil {
		return nil, fmt.Errorf("redisstore: load %q: %w", rk, err)
	}
	return tok, nil
}

// Save stores tok under key, replacing what was there, with a TTL that ends
// at tok.Expiry (no TTL when Expiry is zero). A token that has already
// expired is not stored: Save deletes the entry instead, since that is what
// a reader would make of it. A nil tok deletes the entry too, as with
// auth.MemoryStore.
func (s *Store) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	if err := s.checkKey("save", key); err != nil {
		return err
	}
	if tok == nil {
		return s.del(ctx, "save (nil token)", key)
	}
	if tok.AccessToken == "" {
		return errors.New("redisstore: save: token has no access token")
	}
	rk := s.RedisKey(key)
	var ttl time.Duration
	if !tok.Expiry.IsZero() {
		ttl = time.Until(tok.Expiry).Truncate(time.Millisecond)
		if ttl <= 0 {
			return s.del(ctx, "save (expired token)", key)
		}
	}
	b, err := s.encode(rk, tok)
	if err != nil {
		return fmt.Errorf("redisstore: save %q: %w", rk, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.rdb.Set(ctx, rk, b, ttl).Err(); err != nil {
		s.noteError(err)
		return fmt.Errorf("redisstore: save %q: %w", rk, err)
	}
	return nil
}

// Delete removes the token saved under key (in both layouts), if any: after a user revokes
// access, for instance, or logs out.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey("delete", key); err != nil {
		return err
	}
	return s.del(ctx, "delete", key)
}

// del deletes the token saved under key, in the current layout and the
// earlier one (which Load still reads).
func (s *Store) del(ctx context.Context, op, key string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	for _, rk := range []string{s.RedisKey(key), s.legacyKey(key)} {
		// One DEL per key: in a Cluster the two live in different slots.
		if err := s.rdb.Del(ctx, rk).Err(); err != nil {
			s.noteError(err)
			return fmt.Errorf("redisstore: %s %q: %w", op, rk, err)
		}
	}
	return nil
}
