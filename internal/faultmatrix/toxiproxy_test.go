package faultmatrix_test

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// toxiServer is the in-process toxiproxy: its proxies, no API listener.
var toxiServer = sync.OnceValue(func() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
})

// newToxicProxy starts a loopback proxy to upstream with the toxic on
// every connection; it is stopped when the test ends.
func newToxicProxy(t *testing.T, name, upstream string, r tcpRow, attrs map[string]any) string {
	t.Helper()
	px := toxiproxy.NewProxy(toxiServer(), name, "127.0.0.1:0", upstream)
	if err := px.Start(); err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	t.Cleanup(px.Stop)
	spec, err := json.Marshal(map[string]any{"type": r.toxic, "stream": r.stream, "attributes": attrs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := px.Toxics.AddToxicJson(bytes.NewReader(spec)); err != nil {
		t.Fatalf("toxiproxy: %s: %v", spec, err)
	}
	return "http://" + px.Listen
}
