package redisstore

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// TestOAuth2RawFieldStillThere guards the one assumption about x/oauth2's
// internals: Token keeps its extra fields in an interface field named raw.
// If an x/oauth2 release changes that, Extra would silently stop surviving
// a round trip; this test makes it loud instead.
func TestOAuth2RawFieldStillThere(t *testing.T) {
	if !rawFound {
		t.Fatal("oauth2.Token has no interface field named raw: update extra.go for this x/oauth2 version")
	}
	var rec record
	tok := (&oauth2.Token{AccessToken: "x"}).WithExtra(map[string]any{"token_type": "jwt"})
	if err := putExtra(&rec, tok); err != nil {
		t.Fatal(err)
	}
	if string(rec.Extra) != `{"token_type":"jwt"}` {
		t.Fatalf("extra = %s", rec.Extra)
	}
}

func testStores(t testing.TB) []*Store {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = rdb.Close() })
	key := make([]byte, KeySize)
	sealed, err := New(rdb, WithEncryptionKey(key))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := New(rdb, Plaintext())
	if err != nil {
		t.Fatal(err)
	}
	return []*Store{sealed, plain}
}

// FuzzDecode: no entry, however malformed, panics or yields an error that
// isn't ErrCorrupt.
func FuzzDecode(f *testing.F) {
	stores := testStores(f)
	tok := (&oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Unix(2e9, 0)}).
		WithExtra(map[string]any{"token_type": "opaque", "n": json.Number("1")})
	for _, s := range stores {
		b, err := s.encode("paytoken:k", tok)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("ptk\x01p{}"))
	f.Add([]byte("ptk\x01p{\"access_token\":\"a\",\"extra\":{\"x\":[1,{}]}}"))
	f.Add([]byte("ptk\x01p{\"access_token\":\"a\",\"form\":{\"x\":[\"1\"]}}"))
	f.Add([]byte("ptk\x01g"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, s := range stores {
			tok, err := s.decode("paytoken:k", b)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error is not ErrCorrupt: %v", err)
				}
				if tok != nil {
					t.Fatal("token and error")
				}
				continue
			}
			if tok == nil || tok.AccessToken == "" {
				t.Fatal("no error and no token")
			}
		}
	})
}

// BenchmarkDecode: the Store's own work in a Load, without Redis: open the
// seal and rebuild the token, Extra included.
func BenchmarkDecode(b *testing.B) {
	s := testStores(b)[0]
	tok := (&oauth2.Token{AccessToken: "at-0123456789abcdef0123456789abcdef", RefreshToken: "rt-0123456789abcdef0123",
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour), ExpiresIn: 900}).
		WithExtra(map[string]any{"access_token": "at-0123456789abcdef0123456789abcdef", "expires_in": json.Number("900"),
			"refresh_token": "rt-0123456789abcdef0123", "scope": "/accounts.read /accounts.write", "token_type": "opaque"})
	enc, err := s.encode("paytoken:k", tok)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.decode("paytoken:k", enc); err != nil {
			b.Fatal(err)
		}
	}
}
