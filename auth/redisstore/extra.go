package redisstore

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"

	"golang.org/x/oauth2"
)

// oauth2.Token keeps the response's extra fields in an unexported field,
// raw, that only WithExtra sets and only Extra(key) reads, one known key at
// a time. To store them all, putExtra reads raw through reflection, without
// unsafe: reflect can read an unexported field's contents kind by kind, it
// only refuses to hand them out as an interface value. The test suite
// checks the field is still there, so an x/oauth2 release that renames it
// fails loudly in CI rather than dropping Extra silently.
var (
	rawIndex, rawFound = func() ([]int, bool) {
		f, ok := reflect.TypeFor[oauth2.Token]().FieldByName("raw")
		return f.Index, ok && f.Type.Kind() == reflect.Interface
	}()
	jsonNumberType = reflect.TypeFor[json.Number]()
)

// putExtra copies tok's extra fields into rec: a map with string keys (what
// auth and x/oauth2 produce for JSON responses) as a JSON object, url.Values
// (x/oauth2, form responses) as Form. Other shapes can't have come from a
// token response and aren't stored.
func putExtra(rec *record, tok *oauth2.Token) error {
	if !rawFound {
		return nil
	}
	v := reflect.ValueOf(tok).Elem().FieldByIndex(rawIndex)
	if v.IsNil() {
		return nil
	}
	v = v.Elem()
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return nil
	}
	if isStringSliceMap(v.Type()) {
		form := make(url.Values, v.Len())
		for it := v.MapRange(); it.Next(); {
			vals := it.Value()
			if vals.IsNil() {
				form[it.Key().String()] = nil
				continue
			}
			ss := make([]string, vals.Len())
			for i := range ss {
				ss[i] = vals.Index(i).String()
			}
			form[it.Key().String()] = ss
		}
		rec.Form = form
		return nil
	}
	var c converter
	m, err := c.convert(v, 0)
	if err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the token's extra fields: %w", err)
	}
	rec.Extra = b
	rec.ExtraFloat64 = c.float64s && !c.numbers
	return nil
}

func isStringSliceMap(t reflect.Type) bool {
	return t.Elem().Kind() == reflect.Slice && t.Elem().Elem().Kind() == reflect.String
}

// converter rebuilds a JSON-shaped value from a read-only reflect.Value,
// noting which kinds of numbers it saw.
type converter struct {
	float64s bool // float64 (or float32) values seen
	numbers  bool // json.Number or integer values seen
}

func (c *converter) convert(v reflect.Value, depth int) (any, error) {
	if depth > maxExtraDepth {
		return nil, fmt.Errorf("the token's extra fields nest deeper than %d levels", maxExtraDepth)
	}
	switch v.Kind() {
	case reflect.Invalid:
		return nil, nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return c.convert(v.Elem(), depth+1)
	case reflect.String:
		if v.Type() == jsonNumberType {
			c.numbers = true
			return json.Number(v.String()), nil
		}
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Float32, reflect.Float64:
		c.float64s = true
		return v.Float(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.numbers = true
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c.numbers = true
		return v.Uint(), nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("the token's extra fields hold a %s, which has non-string keys", v.Type())
		}
		if v.IsNil() {
			return nil, nil
		}
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			x, err := c.convert(it.Value(), depth+1)
			if err != nil {
				return nil, err
			}
			m[it.Key().String()] = x
		}
		return m, nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, nil
		}
		s := make([]any, v.Len())
		for i := range s {
			x, err := c.convert(v.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			s[i] = x
		}
		return s, nil
	}
	return nil, fmt.Errorf("the token's extra fields hold a %s, which is not JSON data", v.Type())
}
