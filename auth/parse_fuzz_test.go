package auth

// Fuzz targets for expires_in and Retry-After / X-Retry-In, as auth reads
// them from token responses. Findings are kept as regression seeds under
// testdata/fuzz/<Target>.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseExpiresIn gives ParseExpiresIn every kind of value a JSON or
// form decoder can produce, and some it cannot.
//
// Invariants: it never panics; success means an expiry after now, or the
// zero time only when the default lifetime is none; failure means the zero
// time and a one-line reason; a plain number of seconds up to 1577836800 is
// now plus that many whole seconds; a value above it is that Unix time.
func FuzzParseExpiresIn(f *testing.F) {
	for _, s := range []string{"", "0", "1", "0.5", "900", "3600", "2592000", "1577836800", "1577836801",
		"1736966581", "253402300799", "253402300800", "-1", "-0", "1e3", "1e400", "NaN", "Inf", "-Inf",
		"0x10", "0x1p-2", "1_000", " 60 ", "+60", "soon", "9223372036854775807", "18446744073709551616",
		"1.9", "00000000000000000000000000000000000060", "\u0660"} {
		for kind := range uint8(3) {
			f.Add(kind, s, 0.0, int64(0), int64(time.Hour))
		}
	}
	for _, fl := range []float64{0, 0.1, 1, 59.99, 3600, 1736966581.5, -1, 1e300} {
		f.Add(uint8(3), "", fl, int64(0), int64(0))
	}
	for _, i := range []int64{0, 1, 900, -900, 1736966581, 1 << 62, -1 << 63} {
		f.Add(uint8(4), "", 0.0, i, int64(15*time.Minute))
		f.Add(uint8(5), "", 0.0, i, int64(-1))
	}
	f.Add(uint8(6), "x", 0.0, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, kind uint8, s string, fl float64, i int64, def int64) {
		var v any
		switch kind % 8 {
		case 0:
			v = json.Number(s)
		case 1:
			v = s
		case 2:
			v = nil
		case 3:
			v = fl
		case 4:
			v = i
		case 5:
			v = int(i)
		case 6:
			v = true
		case 7:
			v = map[string]any{"s": s}
		}
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		defLife := time.Duration(def)
		exp, why := parseExpiresIn(v, now, defLife)
		if why != "" {
			if !exp.IsZero() {
				t.Fatalf("%#v: reason %q with expiry %v", v, why, exp)
			}
			if strings.ContainsAny(why, "\r\n") || len(why) > 200 || !utf8.ValidString(why) {
				t.Fatalf("reason %q", why)
			}
			return
		}
		if exp.IsZero() {
			if defLife > 0 {
				t.Fatalf("%#v with default %v: no expiry", v, defLife)
			}
		} else if !exp.After(now) {
			t.Fatalf("%#v: expiry %v is not after now %v", v, exp, now)
		}
		if exp.Year() > 10000 {
			t.Fatalf("%#v: expiry %v", v, exp)
		}
		// Exact values for plain decimal integers.
		str, isStr := v.(string)
		if n, ok := v.(json.Number); ok {
			str, isStr = string(n), true
		}
		if isStr {
			if n, err := strconv.ParseInt(strings.TrimSpace(str), 10, 64); err == nil && n >= 1 {
				want := now.Add(time.Duration(n) * time.Second)
				if n > 1577836800 {
					want = time.Unix(n, 0)
				}
				if !exp.Equal(want) {
					t.Fatalf("%#v: expiry %v, want %v", v, exp, want)
				}
			}
		}
	})
}

// FuzzParseRetryAfter: the wait a server asks for.
//
// Invariants: never negative, never more than 24 hours, whatever the
// headers say; delay-seconds n in [1, 86400] is exactly n seconds; an
// HTTP-date d in the future is d − now (to the second); X-Retry-In counts
// only when Retry-After is absent; *Error carries the same wait.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range [][2]string{
		{"2", ""}, {"0", ""}, {"-1", ""}, {"86400", ""}, {"86401", ""}, {"99999999999999999999", ""},
		{"Wed, 21 Oct 2037 07:28:00 GMT", ""}, {"Sun, 01 Mar 2026 12:00:30 GMT", ""}, {"Sun, 06 Nov 1994 08:49:37 GMT", ""},
		{"Sunday, 06-Nov-94 08:49:37 GMT", ""}, {"Sun Nov  6 08:49:37 1994", ""}, {"1.5", ""}, {" 7 ", ""},
		{"", "1500"}, {"", "0"}, {"", "-5"}, {"", "NaN"}, {"", "+Inf"}, {"", "1e300"}, {"", "0.4"}, {"", "86400001"},
		{"x", "1500"}, {"", ""},
	} {
		f.Add(s[0], s[1], int64(0))
	}
	f.Fuzz(func(t *testing.T, retryAfter, retryIn string, offset int64) {
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		if retryIn != "" {
			h.Set("X-Retry-In", retryIn)
		}
		d := parseRetryAfter(h, now)
		if d < 0 || d > 24*time.Hour {
			t.Fatalf("Retry-After %q, X-Retry-In %q: wait %v", retryAfter, retryIn, d)
		}
		ra := strings.TrimSpace(retryAfter)
		if n, err := strconv.ParseInt(ra, 10, 64); err == nil && n >= 1 && n <= 86400 && d != time.Duration(n)*time.Second {
			t.Fatalf("Retry-After %q: wait %v", retryAfter, d)
		}
		if ra == "" && strings.TrimSpace(retryIn) == "" && d != 0 {
			t.Fatalf("no header: wait %v", d)
		}
		// An HTTP-date offset seconds from now.
		off := offset % (48 * 3600)
		h2 := http.Header{"Retry-After": {now.Add(time.Duration(off) * time.Second).Format(http.TimeFormat)}}
		d2 := parseRetryAfter(h2, now)
		want := min(max(time.Duration(off)*time.Second, 0), 24*time.Hour)
		if d2 != want {
			t.Fatalf("HTTP-date %+ds from now: wait %v, want %v", off, d2, want)
		}
		// NewError reads the same header (against its own clock: bounds only).
		e := newError("moov", 429, h, nil, "", "", "")
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("Error.RetryAfter %v", e.RetryAfter)
		}
	})
}
