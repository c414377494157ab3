package faultmatrix_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// renderings is everything a user might print of a value: each fmt verb,
// and for an error every error in its tree, one by one.
func renderings(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	if err, ok := v.(error); ok {
		walkErrors(err, func(e error) {
			fmt.Fprintf(&b, "%T %v | %+v | %#v\n", e, e, e, e)
			// Dereference pointers to structs, as a debugger or a
			// reflection-based logger would.
			if rv := reflect.ValueOf(e); rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
				fmt.Fprintf(&b, "%+v\n", rv.Elem().Interface())
			}
		})
		if js, err := json.Marshal(err); err == nil {
			b.Write(js)
		}
	}
	return b.String()
}

func walkErrors(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch u := err.(type) { //nolint:errorlint // walks the tree itself, one level at a time
	case interface{ Unwrap() error }:
		walkErrors(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErrors(e, f)
		}
	}
}
