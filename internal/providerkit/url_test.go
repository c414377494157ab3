package providerkit

// CheckURL's tests: a table of URLs, and FuzzCheckURL, whose findings are
// kept as regression seeds under testdata/fuzz/FuzzCheckURL.

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/twin"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		raw      string
		ok       bool
		insecure bool
		notIn    string // must not appear in the error
	}{
		{raw: "https://api.moov.io", ok: true},
		{raw: "https://api.moov.io/", ok: true},
		{raw: "HTTPS://API.MOOV.IO/base", ok: true},
		{raw: "https://z-wallet.monpay.mn:8443/prefix", ok: true},
		{raw: "http://localhost:8089", ok: true},
		{raw: "http://LOCALHOST", ok: true},
		{raw: "http://mock.localhost:1", insecure: true},
		{raw: "http://127.0.0.1:1234", ok: true},
		{raw: "http://127.8.9.10", ok: true},
		{raw: "http://[::1]:80", ok: true},
		{raw: "http://api.moov.io", insecure: true},
		{raw: "http://10.0.0.1", insecure: true},
		{raw: "http://0.0.0.0", insecure: true},
		{raw: "http://localhost.evil.com", insecure: true},
		{raw: "http://127.0.0.1.nip.io", insecure: true},
		{raw: "http://[::ffff:8.8.8.8]", insecure: true},
		{raw: ""},
		{raw: "   "},
		{raw: "api.moov.io"},
		{raw: "/token"},
		{raw: "ftp://api.moov.io"},
		{raw: "https://"},
		{raw: "https://user:hunter2@api.moov.io", notIn: "hunter2"},
		{raw: "https://api.moov.io/?secret=hunter2", notIn: "hunter2"},
		{raw: "https://api.moov.io/#frag"},
		{raw: "https://a b.com"},
		{raw: "http://[::1"},
		{raw: "//:hunter2@", notIn: "hunter2"},
		{raw: "//user:hunter2@host/p", notIn: "hunter2"},
		{raw: "ftp://u:hunter2@host/p?q=hunter2", notIn: "hunter2"},
		{raw: "http://u:hunter2@example.com/", notIn: "hunter2"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := CheckURL(tc.raw)
			if tc.ok {
				require.NoError(t, err)
				require.NotNil(t, u)
				return
			}
			require.Error(t, err)
			require.Nil(t, u)
			require.Equal(t, tc.insecure, errors.Is(err, auth.ErrInsecureURL))
			if tc.notIn != "" {
				require.NotContains(t, err.Error(), tc.notIn)
			}
		})
	}
}

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
