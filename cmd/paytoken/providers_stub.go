//go:build !providers

package main

import (
	"context"

	"golang.org/x/oauth2"
)

func fetchToken(context.Context, tokenOpts) (*oauth2.Token, error) { return nil, errNoProviders }
