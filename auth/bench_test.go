package auth

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func benchSource(b *testing.B) *Source {
	s := NewSource(func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, nil
	})
	if _, err := s.Token(); err != nil {
		b.Fatal(err)
	}
	s.waitIdle()
	return s
}

func BenchmarkSourceToken(b *testing.B) {
	s := benchSource(b)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = s.Token()
	}
}

func BenchmarkSourceTokenParallel(b *testing.B) {
	s := benchSource(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = s.Token()
		}
	})
}

func BenchmarkSourceTokenContext(b *testing.B) {
	s := benchSource(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = s.TokenContext(ctx)
	}
}

func BenchmarkNewSource(b *testing.B) {
	fetch := func(context.Context) (*oauth2.Token, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = NewSource(fetch, WithRefreshWindow(time.Minute))
	}
}
