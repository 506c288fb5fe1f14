package flinkapi

import (
	"sync"
	"time"
)

// nameKey names one vertex of one job.
type nameKey struct {
	job    JobID
	vertex VertexID
}

type nameEntry struct {
	names map[string]struct{} // read-only once stored
	at    time.Time
}

// nameCache remembers each vertex's metric names for a TTL. It is safe for
// concurrent use and sweeps expired entries as it grows, so a long-running
// controller watching many jobs does not leak.
type nameCache struct {
	ttl time.Duration
	now func() time.Time // time.Now; tests replace it

	mu sync.Mutex
	m  map[nameKey]nameEntry
}

// sweepAbove is the size beyond which put drops expired entries.
const sweepAbove = 1024

func newNameCache(ttl time.Duration) *nameCache {
	return &nameCache{ttl: ttl, now: time.Now, m: map[nameKey]nameEntry{}}
}

// get returns a fresh entry's names; the set is shared and read-only.
func (c *nameCache) get(k nameKey) (map[string]struct{}, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || c.now().Sub(e.at) >= c.ttl {
		return nil, false
	}
	return e.names, true
}

func (c *nameCache) put(k nameKey, names map[string]struct{}) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= sweepAbove {
		for key, e := range c.m {
			if now.Sub(e.at) >= c.ttl {
				delete(c.m, key)
			}
		}
	}
	c.m[k] = nameEntry{names: names, at: now}
}

func (c *nameCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
