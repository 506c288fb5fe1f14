package checkpointing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

func TestParseFlinkDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration // -1: an error
	}{
		{"10 s", 10 * time.Second}, {"10s", 10 * time.Second}, {"10000 ms", 10 * time.Second}, {"10000", 10 * time.Second},
		{"1 min", time.Minute}, {"1m", time.Minute}, {"2 minutes", 2 * time.Minute}, {"2 h", 2 * time.Hour},
		{"1 d", 24 * time.Hour}, {"10 S", 10 * time.Second}, {"  7 sec ", 7 * time.Second}, {"0", 0},
		{"500 µs", 500 * time.Microsecond}, {"3 seconds", 3 * time.Second},
		{"", -1}, {"s", -1}, {"1.5 s", -1}, {"-1 s", -1}, {"10 fortnights", -1}, {"1m30s", -1}, {"99999999999999 d", -1},
	}
	for _, tc := range cases {
		got, err := checkpointing.ParseFlinkDuration(tc.in)
		if tc.want < 0 {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Errorf("ParseFlinkDuration(%q) = %v, %v; want ErrInvalidConfig", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFlinkDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatFlinkDuration(t *testing.T) {
	cases := []struct {
		in   time.Duration
		want string
	}{
		{0, "0 ms"}, {10 * time.Second, "10 s"}, {time.Minute, "1 min"}, {90 * time.Second, "90 s"},
		{1500 * time.Millisecond, "1500 ms"}, {2 * time.Hour, "2 h"}, {48 * time.Hour, "2 d"}, {10*time.Minute + time.Millisecond, "600001 ms"},
	}
	for _, tc := range cases {
		if got := checkpointing.FormatFlinkDuration(tc.in); got != tc.want {
			t.Errorf("FormatFlinkDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := checkpointing.ParseFlinkDuration(tc.want); err != nil || back != tc.in {
			t.Errorf("ParseFlinkDuration(%q) = %v, %v; want %v", tc.want, back, err, tc.in)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	cases := []struct {
		in   int64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {1000, "1.00 KB"}, {10_712, "10.7 KB"}, {149_120, "149 KB"}, {999_499, "999 KB"},
		{999_500, "1.00 MB"}, {1_949_120, "1.95 MB"}, {14_912_000, "14.9 MB"}, {-2000, "-2.00 KB"}, {3e15, "3.00 PB"},
	}
	for _, tc := range cases {
		if got := checkpointing.FormatBytes(tc.in); got != tc.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
