package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneygo"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

func authStyle(s string) auth.AuthStyle {
	if s == "body" {
		return auth.InBody
	}
	return auth.InHeader
}

// fetchToken gets one token through the SDK: Config.Token (one fetch under the default
// retry policy), or MobiFinance's Exchange. With it comes a func that makes the provider
// package's authorized client, seeded with that token (so it does not fetch again), for a
// caller that wants one; nil when the fetch failed.
func fetchToken(ctx context.Context, o tokenOpts) (*oauth2.Token, func() *http.Client, error) {
	secret := auth.Secret(o.secret)
	seeded := func(tok *oauth2.Token, err error, client func(...auth.Option) *http.Client) (*oauth2.Token, func() *http.Client, error) {
		if err != nil {
			return nil, nil, err
		}
		return tok, func() *http.Client { return client(providerkit.WithInitialToken(tok)) }, nil
	}
	switch o.provider {
	case mockserver.MoneyGo:
		c := &moneygo.Config{ClientID: o.clientID, ClientSecret: secret, Scope: o.scope, BaseURL: o.baseURL, HTTPClient: o.httpClient}
		tok, err := c.Token(ctx)
		return seeded(tok, err, c.Client)
	case mockserver.MoneyKit:
		c := &moneykit.Config{ClientID: o.clientID, ClientSecret: secret, Scopes: strings.Fields(o.scope), BaseURL: o.baseURL, AuthStyle: authStyle(o.authStyle), HTTPClient: o.httpClient}
		tok, err := c.Token(ctx)
		return seeded(tok, err, c.Client)
	case mockserver.Moov:
		c := &moov.Config{ClientID: o.clientID, ClientSecret: secret, Scopes: strings.Fields(o.scope), BaseURL: o.baseURL, AuthStyle: authStyle(o.authStyle), HTTPClient: o.httpClient}
		tok, err := c.Token(ctx)
		return seeded(tok, err, c.Client)
	case mockserver.MobiFinance:
		c := &mobifinance.Config{ClientID: o.clientID, ClientSecret: secret, RedirectURL: o.redirectURL, BaseURL: o.baseURL, HTTPClient: o.httpClient}
		tok, err := c.Exchange(ctx, o.code)
		if err != nil {
			return nil, nil, err
		}
		return tok, func() *http.Client { return c.Client(tok) }, nil
	}
	return nil, nil, fmt.Errorf("unknown provider %q", o.provider)
}
