package testkit

import (
	"sync"
	"testing"
)

// RunConcurrently runs run(t, c) for each of cases as a subtest of t named
// name(c), all at once (at most limit at a time; limit < 1: no limit), and
// returns when every one has finished.
//
// It is for subtests that mostly wait — out a timeout, a Retry-After, a
// server's lingering close — and use little CPU: t.Parallel runs at most
// -parallel tests at a time, GOMAXPROCS by default (two on a two-core
// machine), so such subtests would wait in twos. testing allows t.Run from
// several goroutines at once.
func RunConcurrently[C any](t *testing.T, limit int, cases []C, name func(C) string, run func(t *testing.T, c C)) {
	t.Helper()
	if limit < 1 {
		limit = len(cases)
	}
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for _, c := range cases {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			t.Run(name(c), func(t *testing.T) { run(t, c) })
		})
	}
	wg.Wait()
}
