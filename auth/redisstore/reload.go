package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// A ClusterClient reloads its slot map only every ClusterStateReloadInterval
// (60 s by default) or on MOVED/READONLY answers. A master that died
// answers nothing, so the client keeps sending its slots to the dead
// address. A reload right after the failure is not enough either: until
// the cluster promotes a replica (cluster-node-timeout plus an election,
// seconds), every node still names the dead master. So after a failure the
// Store keeps asking for reloads, every reloadEvery for reloadFor after the
// last failure, and a process that does not touch Redis again until later
// finds the promoted replica on its first try.
const (
	reloadEvery = 500 * time.Millisecond
	reloadFor   = 30 * time.Second
)

// reloader asks a ClusterClient to reload its slot map after failures.
// Between failures it costs nothing: no goroutine, no timer.
type reloader struct {
	cc *redis.ClusterClient

	mu    sync.Mutex
	until time.Time   // keep reloading until then
	timer *time.Timer // armed while until is ahead
}

// failed is told of a failed operation: reload now, and keep reloading.
// go-redis runs one reload at a time, at most every 200 ms, so bursts of
// failures cost a few CLUSTER SLOTS calls, not one each.
func (r *reloader) failed() {
	r.cc.ReloadState(context.Background())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.until = time.Now().Add(reloadFor)
	if r.timer == nil {
		r.timer = time.AfterFunc(reloadEvery, r.tick)
	}
}

func (r *reloader) tick() {
	r.cc.ReloadState(context.Background())
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Now().Before(r.until) {
		r.timer.Reset(reloadEvery)
		return
	}
	r.timer = nil
}
