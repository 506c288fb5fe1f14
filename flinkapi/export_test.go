package flinkapi

import "time"

// SetNameCacheClock replaces the clock of c's metric-name cache, so tests
// can expire entries without sleeping.
func SetNameCacheClock(c *Client, now func() time.Time) { c.names.now = now }

// NameCacheLen returns how many vertices c's metric-name cache holds.
func NameCacheLen(c *Client) int { return c.names.len() }
