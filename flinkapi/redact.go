package flinkapi

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// redactedText replaces a secret in a text.
const redactedText = "[REDACTED]"

// minSecretLen is the length below which a header value is not searched
// for: replacing every "1" or "on" would garble every message and hide
// nothing worth hiding.
const minSecretLen = 4

// redactor replaces the values of Config.Header in texts that come from an
// answer (a proxy that echoes the request into its error page) before they
// reach an error. The zero redactor replaces nothing.
type redactor struct {
	secrets []string // longest first, so a value goes before its parts
}

// newRedactor collects, for each header value: the value, the credentials
// after an auth scheme ("Bearer <token>"), and for Basic the decoded
// "user:password" and the password; each also URL- and JSON-escaped, as a
// proxy may echo it.
func newRedactor(h http.Header) redactor {
	set := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len(s) < minSecretLen {
			return
		}
		set[s] = true
		set[url.QueryEscape(s)] = true
		set[url.PathEscape(s)] = true
		if b, err := json.Marshal(s); err == nil {
			set[string(b[1:len(b)-1])] = true
		}
	}
	for _, values := range h {
		for _, v := range values {
			add(v)
			scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
			if !ok {
				continue
			}
			add(cred)
			if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil && strings.EqualFold(scheme, "Basic") {
				add(string(dec))
				if _, pass, ok := strings.Cut(string(dec), ":"); ok {
					add(pass)
				}
			}
		}
	}
	r := redactor{}
	for s := range set {
		r.secrets = append(r.secrets, s)
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return r
}

// string returns s with every secret replaced.
func (r redactor) string(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redactedText)
	}
	return s
}

// error returns err unchanged when its text holds no secret, else an error
// with the redacted text that matches the same sentinels (and *Error) with
// errors.Is and errors.As, but no longer carries the original text.
func (r redactor) error(err error) error {
	if err == nil || len(r.secrets) == 0 {
		return err
	}
	msg := err.Error()
	clean := r.string(msg)
	if clean == msg {
		return err
	}
	red := &redactedError{msg: clean}
	for _, s := range redactable {
		if errors.Is(err, s) {
			red.causes = append(red.causes, s)
		}
	}
	if apiErr, ok := errors.AsType[*Error](err); ok { // redacted when built
		red.causes = append(red.causes, apiErr)
	}
	return red
}

// redactable lists the errors a redacted error still matches.
var redactable = []error{
	ErrInvalidRequest, ErrNotFound, ErrConflict, ErrUnavailable, ErrCheckpointingDisabled, ErrDecode,
	ErrNotJSON, ErrInvalidAnswer, ErrResponseTooLarge, ErrRedirect, ErrClosed, ErrOperationFailed,
	context.Canceled, context.DeadlineExceeded, io.ErrUnexpectedEOF, io.EOF,
}

// redactedError is an error whose text had a secret taken out.
type redactedError struct {
	msg    string
	causes []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.causes }
