//go:build !providers

package main

import (
	"context"
	"io"
)

func runDemo(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", demoSynopsis)
	if _, code, ok := parse(fs, args, stdout, stderr); !ok {
		return code
	}
	return failure(stderr, "demo", errNoProviders)
}
