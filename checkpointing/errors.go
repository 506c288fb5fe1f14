package checkpointing

import (
	"errors"
	"fmt"

	"github.com/flinkscale/flinkscale"
)

// Sentinel errors. Every error the package returns wraps exactly one of them.
var (
	// ErrInvalidConfig is wrapped by every error about bad settings (a
	// Settings value, a Beam argument, a Flink configuration value) or a bad
	// policy, advisor or options Config. It wraps
	// flinkscale.ErrInvalidConfig, so errors.Is holds for both.
	ErrInvalidConfig = fmt.Errorf("checkpointing: %w", flinkscale.ErrInvalidConfig)
	// ErrInvalidInput is wrapped by every error about a bad workload or
	// estimator input (a negative rate, a missing latency budget) or an
	// options document that is not JSON.
	ErrInvalidInput = errors.New("checkpointing: invalid input")
)

// SettingError reports one invalid setting. It wraps ErrInvalidConfig; read
// it with errors.As.
type SettingError struct {
	// Name is the Beam option ("maxBundleSize") or the Flink key
	// ("execution.checkpointing.timeout") the value was given as.
	Name string
	// Value is the value as given or rendered.
	Value string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *SettingError) Error() string {
	return fmt.Sprintf("checkpointing: invalid config: %s=%q: %s", e.Name, e.Value, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *SettingError) Unwrap() error { return ErrInvalidConfig }

// invalidInput formats an error wrapping ErrInvalidInput.
func invalidInput(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidInput}, args...)...)
}

// invalidConfig formats an error wrapping ErrInvalidConfig.
func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}
