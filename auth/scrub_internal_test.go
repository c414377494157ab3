package auth

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// prefix is Replace over the whole body, cut to max bytes, whatever the
// values' lengths (longer or shorter than "[redacted]") and wherever they
// fall relative to the cut.
func TestScrubberPrefixIsReplaceCut(t *testing.T) {
	values := []string{"abcd", "abcdefghijklmnopqrstuvwxyz0123456789", "zz/zz+zz", "0123"}
	s := newScrubber(values)
	s.build()
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := append(append([]string{}, s.olds...), "x", "ab", "abc", "0", "zz", "-", strings.Repeat("y", 37))
	for range 2000 {
		var b strings.Builder
		for b.Len() < 300 {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		body := b.String()
		limit := 1 + rng.IntN(len(body)+20)
		want := s.r.Replace(body)
		got, changed := s.prefix([]byte(body), limit)
		if !changed {
			got = []byte(body[:min(len(body), limit)])
		}
		if w := want[:min(len(want), limit)]; string(got) != w {
			t.Fatalf("body %q, limit %d:\n got %q\nwant %q", body, limit, got, w)
		}
	}
}

func TestScrubberForms(t *testing.T) {
	got := forms(`a b+c/"d"<e>`)
	for _, want := range []string{`a b+c/"d"<e>`, `a+b%2Bc%2F%22d%22%3Ce%3E`, `a%20b+c%2F%22d%22%3Ce%3E`,
		`a b+c/\"d\"\u003ce\u003e`, `a b+c/\"d\"<e>`} {
		found := false
		for _, f := range got {
			found = found || f == want
		}
		if !found {
			t.Errorf("forms lacks %q: %q", want, got)
		}
	}
	// Nothing to scrub: no replacer, no work.
	s := newScrubber([]string{"abc", "", "x"})
	if s.clean("abc x") != "abc x" || s.r != nil {
		t.Fatal("values shorter than minSensitiveLen are scrubbed")
	}
	var none *scrubber
	if none.clean("a") != "a" {
		t.Fatal("nil scrubber")
	}
}
