package faultmatrix_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests, except
// toxiproxy's own: a toxic's stub (toxics.(*ToxicStub).Run, whose Pipe sends
// to its output channel unguarded) can stay blocked for good once its link's
// connection is gone. That is toxiproxy's leak, not the SDK's; every other
// goroutine is still checked.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2/toxics.(*ToxicStub).Run"))
}
