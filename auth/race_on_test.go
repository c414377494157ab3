//go:build race

package auth

// raceEnabled: the race detector slows the scale tests tenfold; they run
// smaller under it.
const raceEnabled = true
