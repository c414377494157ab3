package redisstore_test

import (
	"encoding/base64"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/internal/testenv"
)

// The examples need a Redis, which go test's own run of examples cannot
// count on (they have no Output for that reason): these tests run them
// against test-started servers, found through the environment as the
// examples say, and check what they print.

func TestExamples(t *testing.T) {
	srv := redistest.Start(t)
	t.Setenv("REDIS_ADDR", srv.Addr)
	t.Setenv("PAYTOKEN_STORE_KEY", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	for _, ex := range []struct {
		name string
		f    func()
		want string
	}{
		{"ExampleNew", ExampleNew, "at\n"},
		{"ExampleWithPreviousKeys", ExampleWithPreviousKeys, "sealed with the old key\ntrue\n"},
		{"Example_mobiFinanceUserTokens", Example_mobiFinanceUserTokens, "200 OK\ntrue\n"},
	} {
		t.Run(ex.name, func(t *testing.T) { assert.Equal(t, ex.want, stdoutOf(t, ex.f)) })
	}
}

func TestExampleClusterOrSentinel(t *testing.T) {
	testenv.Long(t) // starts a cluster and a sentinel setup
	t.Run("cluster", func(t *testing.T) {
		c := redistest.StartCluster(t, 3, 0)
		t.Setenv("REDIS_CLUSTER_ADDRS", strings.Join(c.Addrs(), ","))
		assert.Equal(t, "<nil>\n", stdoutOf(t, ExampleNew_clusterOrSentinel))
	})
	t.Run("sentinel", func(t *testing.T) {
		st := redistest.StartSentinel(t)
		t.Setenv("REDIS_SENTINEL_ADDRS", st.Sentinel.Addr)
		t.Setenv("REDIS_MASTER_NAME", redistest.SentinelMaster)
		assert.Equal(t, "<nil>\n", stdoutOf(t, ExampleNew_clusterOrSentinel))
	})
}

// stdoutOf runs f and returns what it wrote to os.Stdout.
func stdoutOf(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	orig := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stdout = orig }()
	f()
	require.NoError(t, w.Close())
	return <-done
}
