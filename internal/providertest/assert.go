package providertest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/paytoken/paytoken/internal/testkit"
)

// TestSecret is the client secret of the providers' tests: it has the
// characters a form encoder would change, and must reach the server exactly
// as given.
const TestSecret = "dNC:hg7s%2Vm+22/jc3g="

// BasicAuth is the Authorization header for id and TestSecret, built by
// hand: base64 of "id:secret" with nothing escaped.
func BasicAuth(id string) string {
	return testkit.BasicHeader(id, TestSecret)
}

// BasicCredentials is the base64 part of BasicAuth(id): what a server
// quoting the header echoes.
func BasicCredentials(id string) string {
	return strings.TrimPrefix(BasicAuth(id), "Basic ")
}

// AssertExpiry checks that expiry is about d from now.
func AssertExpiry(t *testing.T, d time.Duration, expiry time.Time) {
	t.Helper()
	require.False(t, expiry.IsZero(), "token has no expiry")
	assert.WithinDuration(t, time.Now().Add(d), expiry, 5*time.Second)
}

// AssertNoSecret checks that nothing secret (TestSecret, or any of
// secrets) leaked into s.
func AssertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, x := range append(secrets, TestSecret) {
		assert.NotContains(t, s, x)
	}
}

// AssertNamed checks that err's message starts with p's name, as every
// error a provider package returns does.
func (p Provider[B, C]) AssertNamed(t *testing.T, err error) {
	t.Helper()
	if assert.Error(t, err) {
		assert.True(t, strings.HasPrefix(err.Error(), p.Name+": "), err.Error())
	}
}

// Main is a provider package's TestMain: it runs the tests, then fails if
// any goroutine is left behind (goleak).
func Main(m *testing.M) { goleak.VerifyTestMain(m) }
