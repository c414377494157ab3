package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/internal/authhook"
)

// maxResponseBody is the most a token endpoint's answer may hold; a longer
// answer is never buffered whole.
const maxResponseBody = authhook.MaxResponseBody

// unixTimeThreshold: an expires_in above this (2020-01-01T00:00:00Z) is an
// absolute Unix time, as in some of Moov's examples, not a lifetime.
const unixTimeThreshold = 1577836800

// maxUnixTime is 9999-12-31T23:59:59Z; anything later overflows.
const maxUnixTime = 253402300799

// endpoint describes how one provider's token endpoint answers, so one piece
// of code can read all four.
type endpoint authhook.Endpoint

// ReadResponse turns a token endpoint's answer into a token or an *Error,
// and closes its body. Any 2xx carrying a non-empty access_token is success
// (MoneyKit answers 201); every other answer, a 2xx without a usable token
// included, is an *Error that keeps the status, the provider's code and up
// to maxErrorBody bytes of the raw body. The body is read through a
// maxResponseBody limit.
//
// sensitive are the credentials the request carried (see endpoint.Send and
// RequestSecrets): a server that echoes them finds each replaced with
// "[redacted]" in the *Error's Code, Description, URI, RequestID and Body.
func (ep endpoint) ReadResponse(resp *http.Response, sensitive ...string) (*oauth2.Token, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		// The network failed mid-body. Of a success answer nothing is
		// usable: it is a network error like a failed request (retried,
		// Temporary), not a malformed answer. Of any other answer the
		// status still says what the provider meant.
		sc := newScrubber(sensitive)
		var ctx context.Context
		if resp.Request != nil {
			ctx = resp.Request.Context()
		}
		cause := sc.scrubCause(maskTransportTimeout(ctx, err))
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			return nil, &sendError{provider: ep.Provider, err: fmt.Errorf("HTTP %d answer cut off after %d bytes: %w", resp.StatusCode, len(body), cause)}
		}
		e := newError(ep.Provider, resp.StatusCode, resp.Header, body, "", "", "")
		sc.scrubError(e, body)
		return nil, &sendError{provider: ep.Provider, answer: e, err: cause}
	}
	tooLong := len(body) > maxResponseBody
	status := resp.StatusCode

	switch {
	case status >= 200 && status <= 299:
		if tooLong {
			return nil, ep.malformed(resp, body, fmt.Sprintf("response body exceeds %d bytes", maxResponseBody), sensitive)
		}
		tok, why := ep.decodeToken(resp.Header.Get("Content-Type"), body, time.Now(), sensitive)
		if why != "" {
			// A rejected answer may still carry live tokens: keep them out
			// of the Error's Body and messages too.
			return nil, ep.malformed(resp, body, why, append(sensitive, tokenValues(body)...))
		}
		return tok, nil
	case status >= 300 && status <= 399:
		e := newError(ep.Provider, status, resp.Header, body, "", "", "")
		e.Description = "redirect not followed: token requests never follow redirects"
		if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && loc.Host != "" {
			e.Description += " (to " + loc.Scheme + "://" + loc.Host + ")"
		}
		newScrubber(sensitive).scrubError(e, body)
		return nil, e
	}
	code, desc, uri := ep.decodeErrorBody(status, body)
	e := newError(ep.Provider, status, resp.Header, body, code, desc, uri)
	newScrubber(sensitive).scrubError(e, body)
	return nil, e
}

func (ep endpoint) malformed(resp *http.Response, body []byte, why string, sensitive []string) *Error {
	e := newError(ep.Provider, resp.StatusCode, resp.Header, body, "", why, "")
	e.kind = ErrMalformedResponse
	newScrubber(sensitive).scrubError(e, body)
	return e
}

// tokenValues digs the access and refresh tokens out of a success body that
// was rejected, best effort (JSON or form), so they can be scrubbed.
func tokenValues(body []byte) []string {
	var vals []string
	isToken := func(k string) bool {
		return strings.EqualFold(k, "access_token") || strings.EqualFold(k, "refresh_token")
	}
	// Every spelling of the field names, duplicates included: encoding/json
	// would pick one of several, and the others are in the body too.
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err == nil && t == json.Delim('{') {
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				break
			}
			var v any
			if err := dec.Decode(&v); err != nil {
				break
			}
			if s, ok := v.(string); ok && s != "" && isToken(fmt.Sprint(k)) {
				vals = append(vals, s)
			}
		}
	}
	if form, err := url.ParseQuery(string(body)); err == nil {
		for k, vs := range form {
			if isToken(k) {
				for _, s := range vs {
					if s != "" {
						vals = append(vals, s)
					}
				}
			}
		}
	}
	return vals
}

func (ep endpoint) decodeErrorBody(status int, body []byte) (code, desc, uri string) {
	if ep.DecodeError != nil {
		if code, desc, uri, ok := ep.DecodeError(status, body); ok {
			return code, desc, uri
		}
	}
	var std struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		ErrorURI         string `json:"error_uri"`
	}
	if json.Unmarshal(body, &std) == nil {
		return std.Error, std.ErrorDescription, std.ErrorURI
	}
	return "", "", ""
}

// decodeToken reads a success body. It returns a reason instead of an error
// so the caller can wrap it in an *Error that keeps status and body. A
// reason that quotes the body has sensitive values scrubbed before the
// quote is cut short (scrubbing after the cut would miss a value cut in
// half); the scrubbing happens only on the way to a reason.
func (ep endpoint) decodeToken(contentType string, body []byte, now time.Time, sensitive []string) (*oauth2.Token, string) {
	raw := map[string]any{}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if mediaType == "application/x-www-form-urlencoded" || mediaType == "text/plain" && !looksLikeJSON(body) {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "response is not valid form data"
		}
		for k := range vals {
			raw[k] = vals.Get(k)
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, "response is not a JSON object"
		}
		if dec.More() {
			return nil, "response has data after the JSON object"
		}
	}

	access, ok := raw["access_token"].(string)
	if !ok || access == "" {
		return nil, "response has no access_token"
	}
	tok := &oauth2.Token{AccessToken: access, TokenType: "Bearer"}
	if rt, ok := raw["refresh_token"].(string); ok {
		tok.RefreshToken = rt
	} else if raw["refresh_token"] != nil {
		return nil, "refresh_token is not a string"
	}
	if tt, ok := raw["token_type"]; ok && tt != nil {
		s, isString := tt.(string)
		if !isString {
			return nil, "token_type is not a string"
		}
		if s != "" && !strings.EqualFold(s, "bearer") && !strings.EqualFold(s, "opaque") && !strings.EqualFold(s, "jwt") {
			return nil, "token_type " + strconv.Quote(sanitize(newScrubber(sensitive).clean(s), 40)) + " is not a bearer token type"
		}
	}

	expiry, why := parseExpiresIn(raw["expires_in"], now, ep.DefaultLifetime)
	if why != "" {
		if s, ok := raw["expires_in"].(string); ok && len(sensitive) > 0 {
			_, why = parseExpiresIn(newScrubber(sensitive).clean(s), now, ep.DefaultLifetime)
		}
		return nil, why
	}
	tok.Expiry = expiry
	if secs := lifetimeSeconds(expiry, now); secs > 0 {
		tok.ExpiresIn = secs
	}
	return tok.WithExtra(raw), ""
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

func lifetimeSeconds(expiry, now time.Time) int64 {
	if expiry.IsZero() {
		return 0
	}
	return int64(expiry.Sub(now) / time.Second)
}

// parseExpiresIn turns an expires_in value, as decoded from JSON (with
// UseNumber) or form data, into an expiry time:
//   - a number or a numeric string of seconds: now + that many seconds;
//   - above 1577836800: an absolute Unix time (some Moov examples);
//   - absent, null, "" or 0: now + defaultLifetime, or no expiry (the zero
//     time) when defaultLifetime is 0;
//   - negative, non-numeric, not finite, overflowing, or an absolute time
//     already past: a non-empty reason, and no time.
//
// Fractions of a second are dropped.
func parseExpiresIn(v any, now time.Time, defaultLifetime time.Duration) (time.Time, string) {
	var s string
	switch x := v.(type) {
	case nil:
		return withDefault(now, defaultLifetime), ""
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return withDefault(now, defaultLifetime), ""
		}
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	default:
		return time.Time{}, "expires_in is not a number"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return time.Time{}, "expires_in overflows"
		}
		return time.Time{}, "expires_in " + strconv.Quote(sanitize(s, 40)) + " is not a number"
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return time.Time{}, "expires_in is not a finite number"
	case f < 0:
		return time.Time{}, "expires_in is negative"
	case f < 1:
		return withDefault(now, defaultLifetime), ""
	case f > maxUnixTime:
		return time.Time{}, "expires_in overflows"
	case f > unixTimeThreshold:
		at := time.Unix(int64(f), 0)
		if !at.After(now) {
			return time.Time{}, "expires_in is an absolute time in the past (" + at.UTC().Format(time.RFC3339) + ")"
		}
		return at, ""
	}
	return now.Add(time.Duration(int64(f)) * time.Second), ""
}

func withDefault(now time.Time, lifetime time.Duration) time.Time {
	if lifetime <= 0 {
		return time.Time{}
	}
	return now.Add(lifetime)
}
