package auth

import (
	"fmt"
	"log/slog"
)

// Secret holds a credential (a client secret). It prints as [redacted]
// through every fmt verb, JSON and text marshalling and slog, so a Config
// can be logged whole without leaking it. Use Reveal (or a string
// conversion) where the raw value must go on the wire.
type Secret string

const redacted = "[redacted]"

// Reveal returns the raw secret.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer, used by %#v.
func (s Secret) GoString() string { return `"` + redacted + `"` }

// Format implements fmt.Formatter so that no verb, %x and %d included,
// reaches the underlying string.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		_, _ = fmt.Fprintf(f, "%q", redacted)
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(redacted))
	default:
		_, _ = f.Write([]byte(redacted))
	}
}

// MarshalText implements encoding.TextMarshaler (also used by encoding/json).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
