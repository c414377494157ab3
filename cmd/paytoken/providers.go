package main

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
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
// retry policy), or MobiFinance's Exchange.
func fetchToken(ctx context.Context, o tokenOpts) (*oauth2.Token, error) {
	secret := auth.Secret(o.secret)
	switch o.provider {
	case mockserver.MoneyGo:
		c := &moneygo.Config{ClientID: o.clientID, ClientSecret: secret, Scope: o.scope, BaseURL: o.baseURL}
		return c.Token(ctx)
	case mockserver.MoneyKit:
		c := &moneykit.Config{ClientID: o.clientID, ClientSecret: secret, Scopes: strings.Fields(o.scope), BaseURL: o.baseURL, AuthStyle: authStyle(o.authStyle)}
		return c.Token(ctx)
	case mockserver.Moov:
		c := &moov.Config{ClientID: o.clientID, ClientSecret: secret, Scopes: strings.Fields(o.scope), BaseURL: o.baseURL, AuthStyle: authStyle(o.authStyle)}
		return c.Token(ctx)
	case mockserver.MobiFinance:
		c := &mobifinance.Config{ClientID: o.clientID, ClientSecret: secret, RedirectURL: o.redirectURL, BaseURL: o.baseURL}
		return c.Exchange(ctx, o.code)
	}
	return nil, fmt.Errorf("unknown provider %q", o.provider)
}
