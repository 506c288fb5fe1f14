package flinkscale

import "errors"

// ErrInvalidConfig is the root of every package's ErrInvalidConfig: each
// package's own sentinel (slotalloc.ErrInvalidConfig, flinkdrain.ErrInvalidConfig,
// ...) wraps it, so errors.Is(err, flinkscale.ErrInvalidConfig) tells a
// configuration error from any package, and errors.Is(err,
// slotalloc.ErrInvalidConfig) tells which package refused it.
var ErrInvalidConfig = errors.New("invalid config")
