// Package layers holds no code: its test checks, with `go list -deps`,
// that the packages meant to be leaves stay leaves (the events and roles a
// transcript needs link no server; lessons does not link the simulated
// network). Add a row to its table when a package gets such a promise.
package layers
