package auth

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfterHeader bounds what a header can ask for before any policy cap,
// so an absurd value cannot overflow a Duration.
const maxRetryAfterHeader = 24 * time.Hour

// parseRetryAfter reads how long the server asked us to wait: Retry-After as
// delay-seconds or an HTTP-date (RFC 9110 §10.2.3), else X-Retry-In in
// milliseconds (Moov's older documents). A date in the past, a negative or
// unparseable value means no wait: 0.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		return parseRetryAfterValue(v, now)
	}
	if v := strings.TrimSpace(h.Get("X-Retry-In")); v != "" {
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || ms != ms || ms <= 0 {
			return 0
		}
		return clampWait(time.Duration(min(ms, float64(maxRetryAfterHeader/time.Millisecond))) * time.Millisecond)
	}
	return 0
}

func parseRetryAfterValue(v string, now time.Time) time.Duration {
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfterHeader/time.Second) {
			return maxRetryAfterHeader
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return clampWait(t.Sub(now))
	}
	return 0
}

func clampWait(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfterHeader)
}
