package auth

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"absent", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"120"}}, 2 * time.Minute},
		{"seconds with spaces", http.Header{"Retry-After": {" 5 "}}, 5 * time.Second},
		{"zero", http.Header{"Retry-After": {"0"}}, 0},
		{"negative", http.Header{"Retry-After": {"-5"}}, 0},
		{"huge capped at 24h", http.Header{"Retry-After": {"999999999999"}}, 24 * time.Hour},
		{"HTTP-date", http.Header{"Retry-After": {"Sun, 01 Mar 2026 12:00:30 GMT"}}, 30 * time.Second},
		{"RFC 850 date", http.Header{"Retry-After": {"Sunday, 01-Mar-26 12:01:00 GMT"}}, time.Minute},
		{"date in the past", http.Header{"Retry-After": {"Sun, 01 Mar 2026 11:00:00 GMT"}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"X-Retry-In ms", http.Header{"X-Retry-In": {"1500"}}, 1500 * time.Millisecond},
		{"X-Retry-In fractional ms", http.Header{"X-Retry-In": {"2.5"}}, 2 * time.Millisecond},
		{"X-Retry-In negative", http.Header{"X-Retry-In": {"-1"}}, 0},
		{"X-Retry-In NaN", http.Header{"X-Retry-In": {"NaN"}}, 0},
		{"X-Retry-In Inf capped", http.Header{"X-Retry-In": {"+Inf"}}, 24 * time.Hour},
		{"X-Retry-In garbage", http.Header{"X-Retry-In": {"x"}}, 0},
		{"Retry-After wins", http.Header{"Retry-After": {"1"}, "X-Retry-In": {"5000"}}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, parseRetryAfter(tc.h, now))
		})
	}
}
