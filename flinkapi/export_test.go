package flinkapi

import (
	"log/slog"
	"net/http"
	"time"
)

// SetNameCacheClock replaces the clock of c's metric-name cache, so tests
// can expire entries without sleeping.
func SetNameCacheClock(c *Client, now func() time.Time) { c.names.now = now }

// NameCacheLen returns how many vertices c's metric-name cache holds.
func NameCacheLen(c *Client) int { return c.names.len() }

// Backoff is the client's wait before retry attempt+1.
var Backoff = backoff

// Effective reports the settings c runs with after defaulting, keyed by the
// Config field (or "Field.Sub") whose doc promises them.
func Effective(c *Client) map[string]any {
	hc := c.http.HTTPClient
	m := map[string]any{
		"RequestTimeout":   hc.Timeout,
		"MaxRetries":       c.http.RetryMax,
		"RetryWaitMin":     c.http.RetryWaitMin,
		"RetryWaitMax":     c.http.RetryWaitMax,
		"MaxResponseBytes": c.maxBody,
		"MetricNamesTTL":   c.names.ttl,
		"FollowRedirects":  c.follow,
		"Header":           len(c.header),
		"Logger.discards":  c.log.Handler() == slog.DiscardHandler,
		"OnCall.none":      c.onCall == nil,
	}
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		return m
	}
	m["HTTPClient.ownTransport"] = tr != http.DefaultTransport
	m["HTTPClient.proxyFromEnvironment"] = tr.Proxy != nil
	m["MaxConnsPerHost"] = tr.MaxConnsPerHost
	if tc := tr.TLSClientConfig; tc != nil {
		m["TLS.MinVersion"] = tc.MinVersion
		m["TLS.systemRoots"] = tc.RootCAs == nil && tc.VerifyConnection == nil && !tc.InsecureSkipVerify
		m["TLS.clientCertificate"] = len(tc.Certificates) > 0 || tc.GetClientCertificate != nil
		m["TLS.ServerName"] = tc.ServerName
	}
	return m
}
