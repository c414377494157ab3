// Package twin holds the differential oracle of the fuzz targets that
// check "no secret in the answer": compare the answer with the answer to the
// request's twin, in which only the secret is replaced by Twin(secret).
package twin

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// The echo oracles of the fuzz targets ("the answer never repeats the
// secret the request carried") are differential: a secret s is echoed when
// the answer to the request holds s more often than the answer to its twin,
// the same request with only s replaced by Twin(s). Fixed text that
// happens to contain s (the value "rect_uri" inside the field name
// "redirect_uri" of a validation message, "token request" inside "token
// request failed") is in both answers and proves nothing; a copy of s is in
// the first answer only, and the twin's answer holds Twin(s) there instead.
//
// The oracle is sound as long as the code under test treats s and Twin(s)
// alike, which holds when it looks at a secret only through its length,
// its character classes and its equality with a value it knows: Twin
// keeps the length and the class of every byte, and differs from s at
// every letter and digit. A secret that equals a known value (a live client
// secret or code) may take another path than its twin; that path's fixed
// text must then not contain the secret, which holds for the random and
// demo values the targets use. A value without letters and digits is its
// own twin: no oracle can tell an echo of it from fixed text, and Echoes
// never reports it.

// Twin is s with each ASCII letter rotated by 13 and each digit by 5
// within its class; every other byte is kept.
func Twin(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = twinByte(c)
	}
	return string(b)
}

func twinByte(c byte) byte {
	switch {
	case 'a' <= c && c <= 'z':
		return 'a' + (c-'a'+13)%26
	case 'A' <= c && c <= 'Z':
		return 'A' + (c-'A'+13)%26
	case '0' <= c && c <= '9':
		return '0' + (c-'0'+5)%10
	}
	return c
}

// Echoes reports whether the pieces of an answer (its strings, or its
// whole text as one piece) hold s more often than those of twinAnswer, the
// answer to the same request with s replaced by Twin(s).
func Echoes(s string, answer, twinAnswer []string) bool {
	count := func(pieces []string) (n int) {
		for _, p := range pieces {
			n += strings.Count(p, s)
		}
		return n
	}
	return s != "" && s != Twin(s) && count(answer) > count(twinAnswer)
}

// JSONField finds the string value of the top-level key of a JSON
// object body (the last one, as encoding/json reads duplicates) and
// returns it with the body in which that value's literal, and nothing
// else, is twinned: same length, escapes kept. ok is false when body is
// not a JSON object or has no such string.
func JSONField(body []byte, key string) (value string, twinBody []byte, ok bool) {
	if !json.Valid(body) {
		return "", nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", nil, false
	}
	start, end := -1, -1
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return "", nil, false
		}
		from := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return "", nil, false
		}
		if k, _ := kt.(string); k == key && len(raw) > 0 && raw[0] == '"' {
			to := int(dec.InputOffset())
			start, end = int(from)+bytes.IndexByte(body[from:to], '"'), to
			if json.Unmarshal(raw, &value) != nil {
				return "", nil, false
			}
		}
	}
	if start < 0 {
		return "", nil, false
	}
	twinBody = bytes.Clone(body)
	lit := twinBody[start+1 : end-1]
	for i := 0; i < len(lit); i++ {
		switch {
		case lit[i] == '\\' && i+1 < len(lit) && lit[i+1] == 'u':
			i += 5 // \uXXXX stays: its hex digits are not the value's
		case lit[i] == '\\':
			i++
		default:
			lit[i] = twinByte(lit[i])
		}
	}
	return value, twinBody, true
}

// FormField is one value of a form body's key, with the body in which that
// value's bytes, and nothing else, are twinned.
type FormField struct {
	Value    string
	TwinBody []byte
}

// FormFields finds every value of key in a form body that
// url.ParseQuery accepts, each with its twinned body: same length, percent
// escapes kept.
func FormFields(body []byte, key string) []FormField {
	if _, err := url.ParseQuery(string(body)); err != nil {
		return nil
	}
	var out []FormField
	off := 0
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		at := off
		off += len(pair) + 1
		k, v, _ := bytes.Cut(pair, []byte("="))
		if uk, err := url.QueryUnescape(string(k)); err != nil || uk != key {
			continue
		}
		value, err := url.QueryUnescape(string(v))
		if err != nil {
			continue
		}
		if len(k) == len(pair) {
			continue // "key" without "=": an empty value
		}
		twin := bytes.Clone(body)
		raw := twin[at+len(k)+1 : at+len(pair)]
		for i := 0; i < len(raw); i++ {
			if raw[i] == '%' {
				i += 2
				continue
			}
			raw[i] = twinByte(raw[i])
		}
		out = append(out, FormField{Value: value, TwinBody: twin})
	}
	return out
}
