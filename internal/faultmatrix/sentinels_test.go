package faultmatrix_test

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// sentinels are unique credential values for one test run. Any of them in an
// error message, a formatted value or a log line is a leak.
type sentinels struct {
	secret, access, refresh, code string
	// id is the case's client id: not a secret, but a client of its own,
	// since an SDK process shares one refresh rate limit (WithRefreshLimit:
	// 20 or 40 requests a second) among all Sources of a provider and client
	// id; with one id for all, the cases would queue for it.
	id string
}

func newSentinels() sentinels {
	r := func(what string) string {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return what + "-" + hex.EncodeToString(b)
	}
	return sentinels{secret: r("SENTINEL-SECRET"), access: r("SENTINEL-ACCESS"), refresh: r("SENTINEL-REFRESH"), code: r("SENTINEL-CODE"),
		id: r("client")}
}

func (s sentinels) all() map[string]string {
	return map[string]string{"client secret": s.secret, "access token": s.access, "refresh token": s.refresh, "authorization code": s.code}
}

// leaks lists the sentinels (or their first 24 characters: more than enough
// to be the credential "in full" for any real provider) found in text.
func (s sentinels) leaks(text string) []string {
	var out []string
	for what, v := range s.all() {
		if strings.Contains(text, v[:24]) {
			out = append(out, what)
		}
	}
	return out
}

// hostile is a raw token endpoint that misbehaves as a fault says, for the
