package redisstore

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// An entry is a small binary envelope around a JSON record:
//
//	"ptk"  magic, 3 bytes
//	1      format version, 1 byte
//	mode   1 byte: 'p' plaintext, 'g' AES-256-GCM
//	plaintext: the JSON record
//	AES-256-GCM: key id (4 bytes) | nonce (12 bytes) | sealed record + tag (16 bytes)
//
// The associated data of the seal is the header (magic, version, mode, key
// id) followed by the entry's Redis key: changing any header byte, or
// copying the entry to another key, makes it fail to open. A new layout
// gets a new version byte; Load rejects versions it does not know.
const (
	magic          = "ptk"
	formatVersion  = 1
	modePlain      = 'p'
	modeGCM        = 'g'
	headerLen      = len(magic) + 2
	keyIDLen       = 4
	nonceLen       = 12
	sealedHeadLen  = headerLen + keyIDLen
	sealedPrefix   = sealedHeadLen + nonceLen
	maxExtraDepth  = 32
	keyIDDeriveTag = "paytoken/redisstore key id v1\x00"
)

type keyID [keyIDLen]byte

func (id keyID) String() string { return hex.EncodeToString(id[:]) }

// deriveKeyID names a key without revealing it: the first bytes of a
// domain-separated SHA-256 of a 256-bit key say nothing usable about it.
func deriveKeyID(key []byte) keyID {
	h := sha256.New()
	h.Write([]byte(keyIDDeriveTag))
	h.Write(key)
	var id keyID
	copy(id[:], h.Sum(nil))
	return id
}

// record is the stored form of an oauth2.Token.
type record struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	ExpiresIn    int64     `json:"expires_in,omitempty"`
	// Extra is the token's raw map of response fields (what tok.Extra
	// reads), when it is a map.
	Extra json.RawMessage `json:"extra,omitempty"`
	// ExtraFloat64: the map's numbers were float64 (encoding/json's
	// default, as x/oauth2 decodes), not json.Number (as auth decodes);
	// Load gives them back as they came.
	ExtraFloat64 bool `json:"extra_float64,omitempty"`
	// Form is the token's raw extra data when it is url.Values (x/oauth2
	// form-encoded responses).
	Form url.Values `json:"form,omitempty"`
}

func (s *Store) encode(redisKey string, tok *oauth2.Token) ([]byte, error) {
	rec := record{
		AccessToken:  tok.AccessToken,
		TokenType:    tok.TokenType,
		RefreshToken: tok.RefreshToken,
		ExpiresIn:    tok.ExpiresIn,
	}
	if !tok.Expiry.IsZero() {
		rec.Expiry = tok.Expiry.UTC().Round(0)
	}
	if err := putExtra(&rec, tok); err != nil {
		return nil, err
	}
	plain, err := json.Marshal(&rec)
	if err != nil {
		return nil, fmt.Errorf("encoding token: %w", err)
	}
	if s.sealer == nil {
		out := make([]byte, 0, headerLen+len(plain))
		out = append(out, magic...)
		out = append(out, formatVersion, modePlain)
		return append(out, plain...), nil
	}
	defer clear(plain)
	k := s.sealer
	out := make([]byte, sealedPrefix, sealedPrefix+len(plain)+k.aead.Overhead())
	copy(out, magic)
	out[len(magic)] = formatVersion
	out[len(magic)+1] = modeGCM
	copy(out[headerLen:], k.id[:])
	nonce := out[sealedHeadLen:sealedPrefix]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return k.aead.Seal(out, nonce, plain, associatedData(out[:sealedHeadLen], redisKey)), nil
}

func associatedData(header []byte, redisKey string) []byte {
	ad := make([]byte, 0, len(header)+len(redisKey))
	ad = append(ad, header...)
	return append(ad, redisKey...)
}

// corrupt wraps ErrCorrupt with a reason. Reasons never quote entry bytes.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func (s *Store) decode(redisKey string, b []byte) (*oauth2.Token, error) {
	if len(b) < headerLen || string(b[:len(magic)]) != magic {
		return nil, corrupt("not a paytoken entry (%d bytes, no %q header)", len(b), magic)
	}
	if v := b[len(magic)]; v != formatVersion {
		return nil, corrupt("format version %d is not one this version of redisstore reads (it reads %d); was it written by a newer paytoken?", v, formatVersion)
	}
	var plain []byte
	switch mode := b[len(magic)+1]; mode {
	case modePlain:
		if s.sealer != nil {
			return nil, corrupt("entry is plaintext but this Store encrypts: refusing an unauthenticated token (a Store with Plaintext() wrote it, or it was planted)")
		}
		plain = b[headerLen:]
	case modeGCM:
		if s.sealer == nil {
			return nil, corrupt("entry is encrypted but this Store was built with Plaintext(): give it the key with WithEncryptionKey")
		}
		if len(b) < sealedPrefix+s.sealer.aead.Overhead() {
			return nil, corrupt("encrypted entry is truncated (%d bytes)", len(b))
		}
		var id keyID
		copy(id[:], b[headerLen:sealedHeadLen])
		k, ok := s.keys[id]
		if !ok {
			return nil, corrupt("entry was sealed with key id %s, which this Store does not hold (wrong WithEncryptionKey, or a rotated-out key missing from WithPreviousKeys)", id)
		}
		nonce := b[sealedHeadLen:sealedPrefix]
		var err error
		plain, err = k.aead.Open(nil, nonce, b[sealedPrefix:], associatedData(b[:sealedHeadLen], redisKey))
		if err != nil {
			return nil, corrupt("entry does not authenticate under key id %s: it was altered, or copied here from another Redis key", id)
		}
		defer clear(plain)
	default:
		return nil, corrupt("unknown entry mode 0x%02x", mode)
	}

	var rec record
	if err := json.Unmarshal(plain, &rec); err != nil {
		// json's messages can quote a byte of the input: don't pass them on.
		return nil, corrupt("record is not valid JSON")
	}
	if rec.AccessToken == "" {
		return nil, corrupt("record has no access token")
	}
	tok := &oauth2.Token{
		AccessToken:  rec.AccessToken,
		TokenType:    rec.TokenType,
		RefreshToken: rec.RefreshToken,
		ExpiresIn:    rec.ExpiresIn,
	}
	if !rec.Expiry.IsZero() {
		tok.Expiry = rec.Expiry.Local()
	}
	switch {
	case rec.Extra != nil && string(rec.Extra) != "null":
		extra, err := decodeExtra(rec.Extra, rec.ExtraFloat64)
		if err != nil {
			return nil, corrupt("record's extra fields are not a JSON object")
		}
		tok = tok.WithExtra(extra)
	case rec.Form != nil:
		tok = tok.WithExtra(rec.Form)
	}
	return tok, nil
}

func decodeExtra(b []byte, float64s bool) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	if !float64s {
		dec.UseNumber()
	}
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("null")
	}
	return m, nil
}
