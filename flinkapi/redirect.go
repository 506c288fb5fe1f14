package flinkapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds a chain of followed redirects, as net/http does.
const maxRedirects = 10

// redirectPolicy is the http.Client.CheckRedirect of a Client: a refused
// redirect hands its 3xx answer back (http.ErrUseLastResponse), and the
// call turns it into an *Error wrapping ErrRedirect. net/http would
// otherwise follow up to 10 redirects anywhere, resend custom headers to
// any host and Authorization to any port or scheme of the same host, and
// turn a POST into a GET on a 301 or 302. next, the caller's own
// CheckRedirect, is asked only about redirects this policy allows.
func redirectPolicy(base *url.URL, follow bool, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if refuseRedirect(base, follow, via[0].Method, req.Method, req.URL, len(via)) != "" {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// refuseRedirect returns why a redirect to target must not be followed, or
// "" when it may: method is the call's, newMethod the one net/http would
// use, hops how many requests the chain has made.
func refuseRedirect(base *url.URL, follow bool, method, newMethod string, target *url.URL, hops int) string {
	switch {
	case !follow:
		return "redirects are not followed (Config.FollowRedirects)"
	case target == nil || target.Host == "":
		return "the Location is not a URL"
	case !sameOrigin(base, target):
		return "the Location is on another scheme, host or port than the BaseURL"
	case newMethod != method:
		return fmt.Sprintf("following it would turn the %s into a %s", method, newMethod)
	case hops > maxRedirects:
		return fmt.Sprintf("more than %d redirects in a row", maxRedirects)
	}
	return ""
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (an omitted port is the scheme's default).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// methodAfterRedirect is the method net/http sends a redirect with: a
// 301, 302 or 303 turns anything but GET and HEAD into a GET.
func methodAfterRedirect(status int, method string) string {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		if method != http.MethodGet && method != http.MethodHead {
			return http.MethodGet
		}
	}
	return method
}

// redirectError fills e, a 3xx answer to the call c whose request went to
// reqURL, with the redirect's Location (resolved, without user
// information) and why it was not followed.
func (cl *Client) redirectError(e *Error, c call, reqURL *url.URL, location string) {
	var target *url.URL
	if loc, err := url.Parse(location); err == nil && location != "" && reqURL != nil {
		target = reqURL.ResolveReference(loc)
		target.User = nil
		e.Location = target.String()
	} else {
		e.Location = location
	}
	e.Location = cl.redact.string(e.Location)
	e.Redirect = refuseRedirect(cl.base, cl.follow, c.method, methodAfterRedirect(e.Status, c.method), target, 1)
	if e.Redirect == "" {
		e.Redirect = "net/http did not follow it (too many redirects, a status it does not follow, or HTTPClient.CheckRedirect refused it)"
	}
}
