package checkpointing

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// flinkUnits are the unit labels Flink's TimeUtils accepts, by size.
var flinkUnits = [...]struct {
	d      time.Duration
	labels []string
}{
	{24 * time.Hour, []string{"d", "day", "days"}},
	{time.Hour, []string{"h", "hour", "hours"}},
	{time.Minute, []string{"min", "m", "minute", "minutes", "mins"}},
	{time.Second, []string{"s", "sec", "secs", "second", "seconds"}},
	{time.Millisecond, []string{"ms", "milli", "millis", "millisecond", "milliseconds"}},
	{time.Microsecond, []string{"µs", "us", "micro", "micros", "microsecond", "microseconds"}},
	{time.Nanosecond, []string{"ns", "nano", "nanos", "nanosecond", "nanoseconds"}},
}

// ParseFlinkDuration parses a duration as Flink's configuration writes it:
// a non-negative integer, optional spaces and an optional unit (d, h, min or
// m, s, ms, µs, ns, or their long forms, any case); no unit means
// milliseconds. "10 s", "10s", "10000 ms", "10000" and "1 min" are all
// accepted. Errors wrap ErrInvalidConfig.
func ParseFlinkDuration(v string) (time.Duration, error) {
	t := strings.ToLower(strings.TrimSpace(v))
	i := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, invalidConfig("duration %q: want a number followed by an optional unit", v)
	}
	if unit == "" {
		unit = "ms"
	}
	for _, u := range flinkUnits {
		for _, l := range u.labels {
			if l != unit {
				continue
			}
			if n > int64(1<<63-1)/int64(u.d) {
				return 0, invalidConfig("duration %q overflows", v)
			}
			return time.Duration(n) * u.d, nil
		}
	}
	return 0, invalidConfig("duration %q: unknown unit %q", v, unit)
}

// FormatFlinkDuration writes d (truncated to milliseconds) in the largest
// unit that divides it exactly, as Flink does: "10 s", "1 min", "1500 ms",
// "0 ms".
func FormatFlinkDuration(d time.Duration) string {
	ms := d.Milliseconds()
	if ms == 0 {
		return "0 ms"
	}
	for _, u := range flinkUnits[:4] {
		if step := u.d.Milliseconds(); ms%step == 0 {
			return fmt.Sprintf("%d %s", ms/step, u.labels[0])
		}
	}
	return fmt.Sprintf("%d ms", ms)
}

// FormatBytes writes a byte count in decimal units with three significant
// digits, as the figures in this package's documentation: "950 B",
// "10.0 KB", "146 KB", "1.95 MB" (1 KB = 1000 bytes).
func FormatBytes(n int64) string {
	if n < 0 {
		return "-" + FormatBytes(-n)
	}
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"KB", "MB", "GB", "TB", "PB"} {
		v /= 1000
		if v < 999.5 || u == "PB" {
			switch {
			case v < 9.995:
				return fmt.Sprintf("%.2f %s", v, u)
			case v < 99.95:
				return fmt.Sprintf("%.1f %s", v, u)
			}
			return fmt.Sprintf("%.0f %s", v, u)
		}
	}
	return fmt.Sprintf("%d B", n)
}
