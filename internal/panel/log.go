package panel

import (
	"context"
	"net/url"
	"strings"
)

// Logger receives the client's log lines. Fields never hold the API key, request or answer
// bodies, or passwords: only the operation, method, path, status, timing and attempt.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}

const redacted = "[redacted]"

// redact removes the API key, and the call's other secrets, from s. Nothing the client builds
// puts the key anywhere but the Authorization header, or a secret anywhere but the request
// body; this guards text that comes from elsewhere (transport errors, the panel's messages).
func (cl *conn) redact(s string, secrets ...string) string {
	for _, secret := range append([]string{cl.apiKey}, secrets...) {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// redactURL renders u for messages: without a query, which is the only place a caller could
// have put something private.
func (cl *conn) redactURL(u url.URL) string {
	u.RawQuery = ""
	u.User = nil
	return cl.redact(u.String())
}

// redactedError keeps the wrapped error for errors.Is/As while printing the redacted text.
type redactedError struct {
	text string
	err  error
}

func (e redactedError) Error() string { return e.text }
func (e redactedError) Unwrap() error { return e.err }
