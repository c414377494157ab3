package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mockserver"
)

const tokenSynopsis = `Usage: paytoken token <provider> [flags]

Gets one access token from the real provider (moneygo, moneykit, moov, mobifinance) and
prints its type, expiry and a redacted copy; --json prints the whole token, for scripts.

The client secret is read from an environment variable (--secret-env, default
PAYTOKEN_CLIENT_SECRET) or a file (--secret-file), never from the command line, where it
would end up in shell history and the process list.

Examples:
  PAYTOKEN_CLIENT_SECRET=… paytoken token moov --client-id 5clTR_MdVrrkgxw2 --scope /accounts.read
  paytoken token moneykit --client-id live_5c739a369515e10fc9e0 --secret-file ~/.moneykit-secret --json
  paytoken token mobifinance --client-id ID --redirect-url https://app.example/cb --code CODE
`

// DefaultSecretEnv is the environment variable the secret is read from by default.
const DefaultSecretEnv = "PAYTOKEN_CLIENT_SECRET"

// tokenOpts is what a token request needs, whatever the provider.
type tokenOpts struct {
	provider    mockserver.Provider
	clientID    string
	secret      string
	scope       string       // space-separated
	baseURL     string       // empty: the provider's default
	authStyle   string       // "", "header" or "body"
	code        string       // MobiFinance
	redirectURL string       // MobiFinance
	httpClient  *http.Client // nil: the SDK's default
}

// secretFlagNames are flags people reach for to pass a secret; all are refused.
var secretFlagNames = map[string]bool{"secret": true, "client-secret": true, "password": true}

// refuseSecretFlag reports a flag that would carry a secret on the command line.
func refuseSecretFlag(args []string) (string, bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
		if secretFlagNames[name] {
			return "--" + name, true
		}
	}
	return "", false
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	if name, bad := refuseSecretFlag(args); bad {
		return usageError(stderr, "token", "%s is not accepted: a secret on the command line leaks into shell history and the process list; "+
			"put it in an environment variable (--secret-env NAME, default %s) or a file (--secret-file PATH)", name, DefaultSecretEnv)
	}
	fs := newFlagSet("token", tokenSynopsis)
	var o tokenOpts
	fs.StringVar(&o.clientID, "client-id", "", "the client `id` (default $PAYTOKEN_CLIENT_ID)")
	secretEnv := fs.String("secret-env", DefaultSecretEnv, "read the client secret from the environment variable `NAME`")
	secretFile := fs.String("secret-file", "", "read the client secret from the file at `PATH` (one line)")
	fs.StringVar(&o.scope, "scope", "", "`scopes`, space-separated (Money-Go default \"api\"; Moov, MoneyKit: none asks for all)")
	fs.StringVar(&o.baseURL, "base-url", "", "the provider's base `URL` (default the provider's production URL)")
	fs.StringVar(&o.authStyle, "auth-style", "", "Moov and MoneyKit: `style` is header (Basic auth, the default) or body")
	fs.StringVar(&o.code, "code", "", "MobiFinance: the authorization `code` to exchange (single-use)")
	fs.StringVar(&o.redirectURL, "redirect-url", "", "MobiFinance: the redirect `URL` the code was issued for")
	asJSON := fs.Bool("json", false, "print the whole token as JSON on stdout, access token included")
	timeout := timeoutFlag(fs)
	pos, code, ok := parse(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	switch {
	case len(pos) == 0:
		return usageError(stderr, "token", "which provider? want one of moneygo, moneykit, moov, mobifinance")
	case len(pos) > 1:
		return usageError(stderr, "token", "unexpected argument %q", pos[1])
	}
	p, err := mockserver.ParseProvider(pos[0])
	if err != nil {
		return usageError(stderr, "token", "unknown provider %q: want one of moneygo, moneykit, moov, mobifinance", pos[0])
	}
	o.provider = p
	if o.clientID == "" {
		o.clientID = getenv("PAYTOKEN_CLIENT_ID")
	}
	if o.clientID == "" {
		return usageError(stderr, "token", "--client-id is required (or set PAYTOKEN_CLIENT_ID)")
	}
	switch o.authStyle {
	case "", "header", "body":
	default:
		return usageError(stderr, "token", "--auth-style is header or body, not %q", o.authStyle)
	}
	if o.authStyle != "" && p != mockserver.Moov && p != mockserver.MoneyKit {
		return usageError(stderr, "token", "--auth-style applies to moov and moneykit; %s takes the credentials in the body only", p)
	}
	if p == mockserver.MobiFinance {
		if o.code == "" || o.redirectURL == "" {
			return usageError(stderr, "token", "mobifinance needs --code and --redirect-url")
		}
		if o.scope != "" {
			return usageError(stderr, "token", "mobifinance takes no --scope")
		}
	} else if o.code != "" || o.redirectURL != "" {
		return usageError(stderr, "token", "--code and --redirect-url apply to mobifinance only")
	}
	secretSetExplicitly := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "secret-env" {
			secretSetExplicitly = true
		}
	})
	if secretSetExplicitly && *secretEnv == "" {
		return usageError(stderr, "token", "--secret-env needs the name of an environment variable")
	}
	if *secretFile != "" && secretSetExplicitly {
		return usageError(stderr, "token", "give --secret-env or --secret-file, not both")
	}
	if *secretFile != "" {
		s, err := readSecretFile(*secretFile, stderr)
		if err != nil {
			return failure(stderr, "token", err)
		}
		o.secret = s
	} else {
		o.secret = getenv(*secretEnv)
		if o.secret == "" {
			return usageError(stderr, "token", "no client secret: set $%s or use --secret-file", *secretEnv)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	tok, _, err := fetchToken(ctx, o)
	if err != nil {
		if ce, ok := errors.AsType[*auth.ConfigError](err); ok {
			return usageError(stderr, "token", "%s: %v", configFlag(ce.Field), err)
		}
		return failure(stderr, "token", err)
	}
	if *asJSON {
		return printTokenJSON(stdout, stderr, p, tok)
	}
	printToken(stdout, p, tok)
	return exitOK
}

// configFlag is the flag that sets a Config field the SDK refused.
func configFlag(field string) string {
	name, _, _ := strings.Cut(field, "[")
	switch name {
	case "ClientID":
		return "--client-id"
	case "ClientSecret":
		return "the client secret (--secret-env or --secret-file)"
	case "Scope", "Scopes":
		return "--scope"
	case "BaseURL":
		return "--base-url"
	case "RedirectURL":
		return "--redirect-url"
	case "AuthStyle":
		return "--auth-style"
	}
	return "Config." + field
}

// readSecretFile reads a secret from the first line of a file, warning when other users
// may read it.
func readSecretFile(path string, stderr io.Writer) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--secret-file: %w", err)
	}
	if fi.IsDir() {
		return "", fmt.Errorf("--secret-file: %s is a directory", path)
	}
	if fi.Size() > 64<<10 {
		return "", fmt.Errorf("--secret-file: %s is too large for a secret", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "paytoken token: warning: %s is readable by other users (mode %v); chmod 600 it\n", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--secret-file: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", fmt.Errorf("--secret-file: %s is empty", path)
	}
	return s, nil
}

// redact keeps enough of a token to tell two apart, never enough to use one.
func redact(s string) string {
	if len(s) < 24 {
		return "[redacted]"
	}
	return s[:4] + "…" + s[len(s)-4:]
}

// rawTokenType is what the provider called the token (Moov "opaque", MoneyKit "bearer"); the
// SDK's tokens always say Bearer.
func rawTokenType(tok *oauth2.Token) string {
	if v, ok := tok.Extra("token_type").(string); ok && v != "" {
		return v
	}
	return tok.TokenType
}

func printToken(w io.Writer, p mockserver.Provider, tok *oauth2.Token) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "provider\t%s\n", p.DisplayName())
	typ := tok.Type()
	if raw := rawTokenType(tok); raw != typ {
		typ += fmt.Sprintf(" (the provider says %q)", raw)
	}
	fmt.Fprintf(tw, "token type\t%s\n", typ)
	if tok.Expiry.IsZero() {
		fmt.Fprintf(tw, "expires\tnever (permanent)\n")
	} else {
		fmt.Fprintf(tw, "expires\t%s (in %s)\n", tok.Expiry.UTC().Format(time.RFC3339), time.Until(tok.Expiry).Round(time.Second))
	}
	fmt.Fprintf(tw, "access token\t%s (redacted; --json prints it whole)\n", redact(tok.AccessToken))
	if tok.RefreshToken != "" {
		fmt.Fprintf(tw, "refresh token\t%s (redacted)\n", redact(tok.RefreshToken))
	}
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		fmt.Fprintf(tw, "scope\t%s\n", s)
	}
	_ = tw.Flush() // a failed write is kept by run's outWriter, which fails the command
}

// tokenJSON is --json's output.
type tokenJSON struct {
	Provider     mockserver.Provider `json:"provider"`
	AccessToken  string              `json:"access_token"`
	TokenType    string              `json:"token_type"`
	RawTokenType string              `json:"raw_token_type"`
	Expiry       *time.Time          `json:"expiry"`     // null: permanent
	ExpiresIn    *int64              `json:"expires_in"` // seconds from now; null: permanent
	RefreshToken string              `json:"refresh_token,omitempty"`
	Scope        string              `json:"scope,omitempty"`
}

func printTokenJSON(stdout, stderr io.Writer, p mockserver.Provider, tok *oauth2.Token) int {
	out := tokenJSON{Provider: p, AccessToken: tok.AccessToken, TokenType: tok.Type(), RawTokenType: rawTokenType(tok), RefreshToken: tok.RefreshToken}
	if !tok.Expiry.IsZero() {
		e := tok.Expiry.UTC()
		in := int64(time.Until(tok.Expiry).Seconds())
		out.Expiry, out.ExpiresIn = &e, &in
	}
	if s, ok := tok.Extra("scope").(string); ok {
		out.Scope = s
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return failure(stderr, "token", fmt.Errorf("writing the output: %w", err))
	}
	return exitOK
}
