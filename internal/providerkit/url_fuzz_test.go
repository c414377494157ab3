package providerkit

// FuzzCheckURL's findings are kept as regression seeds under
// testdata/fuzz/FuzzCheckURL.

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/twin"
)

// FuzzCheckURL: the guard in front of every credential.
//
// Invariants: an accepted URL is absolute, carries no user info, query or
// fragment, and is https, or plain http to a loopback host; a rejected
// plain-http non-loopback URL matches ErrInsecureURL; the error never
// repeats a password given in the URL.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://api.moov.io", "https://api.moov.io/", "http://127.0.0.1:8089", "http://localhost:1/x",
		"http://[::1]:80", "http://api.moov.io", "http://10.0.0.1", "ftp://x", "https://user:pass@host",
		"http://user:hunter2-secret@10.0.0.1", "https://h/?a=b", "https://h/#f", "", "   ", "api.moov.io",
		"//api.moov.io", "http://127.1", "http://0x7f000001", "http://[::ffff:127.0.0.1]", "http://foo.localhost",
		"HTTP://LOCALHOST", "http://localhost.", "http://127.0.0.1.nip.io", "https://%zz", "http://[fe80::1%25lo]",
		"http://0.0.0.0", "http://[::]", "javascript:alert(1)", "http:///path",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := CheckURL(raw)
		if err != nil {
			if u != nil {
				t.Fatalf("%q: URL and error", raw)
			}
			// Differential (see package twin): the error for the same URL
			// with only the password twinned holds the fixed text too.
			if at, pw := passwordIn(raw); len(pw) >= 4 && strings.Contains(err.Error(), pw) {
				_, twinErr := CheckURL(raw[:at] + twin.Twin(pw) + raw[at+len(pw):])
				if twinErr != nil && twin.Echoes(pw, []string{err.Error()}, []string{twinErr.Error()}) {
					t.Fatalf("%q: the error repeats the password %q: %v", raw, pw, err)
				}
			}
			if pu, perr := url.Parse(raw); perr == nil && strings.EqualFold(pu.Scheme, "http") && pu.Host != "" &&
				pu.User == nil && pu.RawQuery == "" && pu.Fragment == "" && !IsLoopback(pu.Hostname()) &&
				!errors.Is(err, auth.ErrInsecureURL) {
				t.Fatalf("%q: %v is not ErrInsecureURL", raw, err)
			}
			return
		}
		if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("%q accepted: %#v", raw, u)
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
		case "http":
			if !IsLoopback(u.Hostname()) {
				t.Fatalf("%q accepted: plain http to %q", raw, u.Hostname())
			}
		default:
			t.Fatalf("%q accepted with scheme %q", raw, u.Scheme)
		}
	})
}

// passwordIn finds the password of a URL's user info even when the URL does
// not parse: after "//", up to the first '/', '?' or '#', before the last
// '@', after the first ':'; at is its offset in raw.
func passwordIn(raw string) (at int, pw string) {
	scheme, rest, ok := strings.Cut(raw, "//")
	if !ok || !schemeRE.MatchString(scheme) {
		return 0, ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	end := strings.LastIndex(rest, "@")
	if end < 0 {
		return 0, ""
	}
	colon := strings.IndexByte(rest[:end], ':')
	if colon < 0 {
		return 0, ""
	}
	return len(scheme) + 2 + colon + 1, rest[colon+1 : end]
}

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*:)?$`)
