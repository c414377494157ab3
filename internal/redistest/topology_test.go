package redistest_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/internal/testenv"
)

// The Sentinel setup fails over when its master dies.
func TestSentinelFailsOver(t *testing.T) {
	testenv.Long(t)
	st := redistest.StartSentinel(t)
	ctx := context.Background()
	addr, err := st.MasterAddr(ctx)
	if err != nil || addr != st.Master.Addr {
		t.Fatalf("master = %q, %v; want %s", addr, err, st.Master.Addr)
	}
	killed := time.Now()
	st.Master.Kill()
	at, err := st.WaitPromoted(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replica promoted %s after the master was killed", at.Sub(killed).Round(time.Millisecond))
}

// The cluster serves all slots, and a replica takes over a killed master's.
func TestClusterFailsOver(t *testing.T) {
	testenv.Long(t)
	c := redistest.StartCluster(t, 3, 1)
	rdb := redis.NewClusterClient(c.ClusterOptions())
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	if err := rdb.Set(ctx, "{k}", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	m, err := c.MasterOf("{k}")
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	m.Kill()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := c.MasterOf("{k}")
		if err == nil && n != m {
			t.Logf("slot of {k} moved from %s to %s in %s", m.Addr, n.Addr, time.Since(killed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failover within 30s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
