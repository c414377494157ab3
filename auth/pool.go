package auth

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"

	"golang.org/x/oauth2"
)

// Pool holds at most a fixed number of Sources, one per key: a user (a
// MobiFinance mini app keeps one token per MonPay user), or an account or
// tenant (a platform on Moov or MoneyKit keeps one per connected account).
// It replaces a map of your own, and a new Source (and a Store round trip)
// per request.
//
// Source(key) returns the key's Source, making it with New on a miss.
// Concurrent misses for one key make one Source, and the Source's first
// fetch is shared by all its callers, so a miss costs one Store load per
// key when New gives the Source a Store (WithStore(store,
// key-of-the-user)): the token saved there after the user's authorization
// is served without asking the provider. When the Pool is full, the least
// recently used Source is dropped; a caller still holding it can go on
// using it, and it is garbage collected once nobody does (a Source needs no
// Close). A dropped Source's token is not lost when it lives in the Store:
// the next miss for its key loads it again.
//
// Sources made with the same options share their settings (see
// NewSource), so a Pool of a million Sources holds a million small structs
// and their tokens.
//
// Set the fields before the first use; a Pool is then safe for concurrent
// use, and must not be copied.
type Pool struct {
	// Size bounds the number of Sources held; 0 means 10,000.
	Size int
	// New makes the Source of key on a miss. It is called without any lock
	// held, once per miss; it must not return nil (the caller then gets a
	// Source whose every fetch fails with an error saying so, and the key is
	// not kept).
	New func(key string) *Source

	init   sync.Once
	seed   maphash.Seed
	shards []poolShard
}

// poolShard is one lock's worth of the Pool: a map and an LRU list.
type poolShard struct {
	mu    sync.Mutex
	items map[string]*poolItem
	lru   poolItem // sentinel: lru.next is the most recently used
	max   int
}

type poolItem struct {
	key        string
	src        *Source
	ready      chan struct{} // closed once src is set; nil after
	prev, next *poolItem
}

// Pools of at least poolShardMin Sources split their keys over poolShards
// locks, each holding an equal share of the bound.
const (
	defaultPoolSize = 10_000
	poolShards      = 16
	poolShardMin    = 4096
)

var (
	errPoolNilSource = errors.New("auth: Pool.New returned a nil *Source")
	errPoolNoNew     = errors.New("auth: Pool.New is nil")
)

func (p *Pool) setup() {
	size := p.Size
	if size <= 0 {
		size = defaultPoolSize
	}
	n := 1
	if size >= poolShardMin {
		n = poolShards
	}
	p.seed = maphash.MakeSeed()
	p.shards = make([]poolShard, n)
	for i := range p.shards {
		sh := &p.shards[i]
		sh.items = map[string]*poolItem{}
		sh.lru.next, sh.lru.prev = &sh.lru, &sh.lru
		sh.max = size / n
	}
}

func (p *Pool) shard(key string) *poolShard {
	p.init.Do(p.setup)
	if len(p.shards) == 1 {
		return &p.shards[0]
	}
	return &p.shards[maphash.String(p.seed, key)%uint64(len(p.shards))]
}

// Source returns the Source of key, making it on a miss.
func (p *Pool) Source(key string) *Source {
	sh := p.shard(key)
	for {
		sh.mu.Lock()
		it := sh.items[key]
		if it == nil {
			break
		}
		sh.touch(it)
		ready := it.ready
		sh.mu.Unlock()
		if ready == nil {
			return it.src
		}
		<-ready // another caller is making it
		if it.src != nil {
			return it.src
		}
		// Its New panicked; try again.
	}
	it := &poolItem{key: key, ready: make(chan struct{})}
	sh.items[key] = it
	sh.touch(it)
	for len(sh.items) > sh.max {
		sh.remove(sh.lru.prev)
	}
	sh.mu.Unlock()

	src := p.make(sh, it)
	sh.mu.Lock()
	it.ready = nil
	sh.mu.Unlock()
	return src
}

// make runs New for it and publishes the result to the callers
// waiting for it. A Source that could not be made is not kept.
func (p *Pool) make(sh *poolShard, it *poolItem) (src *Source) {
	defer func() {
		if src == nil { // New panicked: the panic goes on after this
			sh.drop(it)
		}
		it.src = src
		close(it.ready)
	}()
	err := errPoolNoNew
	if p.New != nil {
		if src = p.New(it.key); src != nil {
			return src
		}
		err = errPoolNilSource
	}
	sh.drop(it)
	return NewSource(func(context.Context) (*oauth2.Token, error) { return nil, err })
}

// Token is p.Source(key).TokenContext(ctx).
func (p *Pool) Token(ctx context.Context, key string) (*oauth2.Token, error) {
	return p.Source(key).TokenContext(ctx)
}

// Remove drops the Source of key (a user who logged out, an account
// closed), if the Pool has it.
func (p *Pool) Remove(key string) {
	sh := p.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if it := sh.items[key]; it != nil {
		sh.remove(it)
	}
}

// Len returns the number of Sources in the Pool.
func (p *Pool) Len() int {
	p.init.Do(p.setup)
	n := 0
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		n += len(sh.items)
		sh.mu.Unlock()
	}
	return n
}

// touch makes it the most recently used (under sh.mu).
func (sh *poolShard) touch(it *poolItem) {
	if it.next != nil {
		it.prev.next, it.next.prev = it.next, it.prev
	}
	it.prev, it.next = &sh.lru, sh.lru.next
	sh.lru.next.prev = it
	sh.lru.next = it
}

// remove takes it out of the map and the list (under sh.mu).
func (sh *poolShard) remove(it *poolItem) {
	delete(sh.items, it.key)
	it.prev.next, it.next.prev = it.next, it.prev
	it.prev, it.next = nil, nil
}

// drop removes it unless it was already removed or replaced.
func (sh *poolShard) drop(it *poolItem) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.items[it.key] == it {
		sh.remove(it)
	}
}
