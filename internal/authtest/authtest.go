// Package authtest holds test machinery shared by the packages built on
// auth: small helpers that every test file would otherwise copy.
package authtest

import (
	"context"

	"github.com/paytoken/paytoken/auth"
)

// ObserverFunc adapts a function to an auth.Observer.
type ObserverFunc func(ctx context.Context, ev auth.Event)

// Observe calls f(ctx, ev).
func (f ObserverFunc) Observe(ctx context.Context, ev auth.Event) { f(ctx, ev) }
