package auth

import "time"

// clock is the Source's view of time, swapped for a fake in tests so that
// state transitions can be checked exactly and fast.
type clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d, like time.AfterFunc.
	AfterFunc(d time.Duration, f func()) timer
}

// timer is the part of *time.Timer the Source uses.
type timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

type realClock struct{}

func (realClock) Now() time.Time                            { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }

// sleep waits for d on clk, or until ctx is done (then it returns ctx's error).
func sleep(ctx doneContext, clk clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if _, ok := clk.(realClock); ok {
		// A channel timer: no goroutine per wait (a worker under a rate
		// limit waits once per request).
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	t := clk.AfterFunc(d, func() { close(ch) })
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// doneContext is the part of context.Context sleep needs.
type doneContext interface {
	Done() <-chan struct{}
	Err() error
}
