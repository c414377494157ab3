package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MoovAPI is the shape of the mock's Moov answers: Moov's sources disagree, and code that
// talks to Moov has to read both.
type MoovAPI string

const (
	// MoovSeed answers as Moov's documentation page ("Create an access token") shows:
	// token_type "opaque" (or "jwt", see [WithMoovTokenType]) and expires_in the token's
	// lifetime in seconds (900). The default.
	MoovSeed MoovAPI = "seed"
	// MoovCurrent answers as Moov's OpenAPI document (repository
	// moovfinancial/moov-api-public, latest/openapi.yaml, operation createAccessToken) says:
	// token_type "Bearer", expires_in the Unix time at which the token expires, and an
	// x-request-id header (a random UUID) on every answer, the protected endpoint's at
	// /moov/protected included. [WithMoovTokenType] still chooses the token's format
	// (random or a JSON Web Token); its token_type is "Bearer" either way.
	MoovCurrent MoovAPI = "current"
)

// MoovAPIs lists the shapes [WithMoovAPI] accepts.
func MoovAPIs() []MoovAPI { return []MoovAPI{MoovSeed, MoovCurrent} }

// ParseMoovAPI reads a shape name ("seed", "current"; any case).
func ParseMoovAPI(s string) (MoovAPI, error) {
	for _, a := range MoovAPIs() {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("mockserver: unknown Moov API %q (want seed or current)", s)
}

// WithMoovAPI sets the shape of Moov's token answers: [MoovSeed] (the default) or
// [MoovCurrent]. It panics on any other value.
func WithMoovAPI(api MoovAPI) Option {
	if _, err := ParseMoovAPI(string(api)); err != nil || api == "" {
		panic(fmt.Sprintf("mockserver: WithMoovAPI(%q): want MoovSeed or MoovCurrent", string(api)))
	}
	return func(c *config) { c.moovAPI = api }
}

// moovTokenType is the token_type of Moov's answers.
func (c *config) moovTokenType() string {
	if c.moovAPI == MoovCurrent {
		return "Bearer"
	}
	return c.moovType
}

// moovExpiresIn is the expires_in of a Moov token issued at now for life: a number of
// seconds, or, in Moov's current shape, the Unix time of expiry.
func (c *config) moovExpiresIn(now time.Time, life time.Duration) int32 {
	if c.moovAPI == MoovCurrent {
		return int32(now.Add(life).Unix())
	}
	return int32(seconds(life))
}

// withRequestID gives every answer of h an x-request-id header, as Moov's current API does.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", requestID())
		h.ServeHTTP(w, r)
	})
}
