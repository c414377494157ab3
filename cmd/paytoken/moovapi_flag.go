package main

import (
	"errors"

	"github.com/paytoken/paytoken/mockserver"
)

// moovAPIFlag is --moov-api: which of Moov's documents the mock's Moov answers follow.
type moovAPIFlag struct{ api *mockserver.MoovAPI }

func (f moovAPIFlag) String() string {
	if f.api == nil {
		return ""
	}
	return string(*f.api)
}

func (f moovAPIFlag) Set(v string) error {
	api, err := mockserver.ParseMoovAPI(v)
	if err != nil {
		return errors.New(`want seed (Moov's documentation page: token_type opaque, expires_in seconds) or current (Moov's OpenAPI document: token_type Bearer, expires_in a Unix time, x-request-id)`)
	}
	*f.api = api
	return nil
}
