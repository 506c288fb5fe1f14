// Package sample declares structs whose fields document their defaults,
// for docdefaults' tests. It is parsed, never compiled.
package sample

import "time"

// Config is a configuration every kind of documented default appears in.
type Config struct {
	// Timeout bounds a call. Default: 10 s. Zero means default.
	Timeout time.Duration
	// Retries is how many times a failed call is retried. Default:
	// DefaultRetries (3). Zero means default.
	Retries int
	// Ratio is the share of calls sampled. Default: 0.1.
	Ratio float64
	// MinWait and MaxWait bound the backoff. Defaults: 1 ms and 1 s.
	MinWait, MaxWait time.Duration
	// Name names the client; required.
	Name string
	// Limit caps the calls in flight. Default: none
	Limit int
	// Options lists extra settings; it has no default of its own.
	Options
	hidden int
}

// Options is embedded in Config.
type Options struct {
	// Verbose logs every call. Default: false.
	Verbose bool
}

// Level is not a struct.
type Level int
