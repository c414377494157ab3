package faultmatrix_test

import (
	"slices"
	"testing"

	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/internal/testkit"
)

// matrixCase is one case of a table of faults: a row, a provider and a
// variant of the call (a server, a path).
type matrixCase[R, V any] struct {
	r R
	p prov
	v V
}

// runCases runs f as a subtest named name, 16 at a time, for every row ×
// provider × variant that skip leaves and runsByDefault picks.
func runCases[R, V any](t *testing.T, rows []R, variants []V, skip func(R, prov, V) bool,
	name func(matrixCase[R, V]) string, f func(t *testing.T, c matrixCase[R, V])) {
	var cases []matrixCase[R, V]
	for i, r := range rows {
		for _, p := range providers {
			for j, v := range variants {
				if skip(r, p, v) || !runsByDefault(i+j, p) {
					continue
				}
				cases = append(cases, matrixCase[R, V]{r, p, v})
			}
		}
	}
	testkit.RunConcurrently(t, 16, cases, name, f)
}

// runsByDefault reports whether the case of the n-th variant of a fault
// (its row, plus its server or path) runs for p without testenv.Long. A
// plain go test runs every fault for MobiFinance (the one-shot Exchange:
// the table's second column) and for one client-credentials provider (the
// first column), a different one from variant to variant, so that every
// outcome the table states is checked by every run, and every provider by a
// third of them or more, in half the time. With testenv.Long (CI) every
// provider runs every case.
func runsByDefault(n int, p prov) bool {
	if p.oneShot || testenv.LongEnabled() {
		return true
	}
	cc := slices.DeleteFunc(slices.Clone(providers), func(p prov) bool { return p.oneShot })
	return cc[n%len(cc)].name == p.name
}
