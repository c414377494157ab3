//go:build race

package faultmatrix_test

// raceEnabled: the race detector slows everything ~10x and caps live
// goroutines at 8,128; the soak's smoke run shrinks under it.
const raceEnabled = true
