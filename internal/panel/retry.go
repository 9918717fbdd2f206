package panel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// mayHaveApplied reports whether a failed attempt of a write may still have changed the
// panel without the client seeing it. That is the case when:
//   - no answer came after the request was written (sent): a timeout or a lost connection.
//     The panel finishes what it received, whoever is left to read the answer;
//   - a gateway answered 502, 504 or another 5xx of its own: the panel behind it may be
//     running the request still. A 500 or 503 without the panel's error envelope is a
//     proxy's too, which may have passed the request on before it failed;
//   - the panel answered 2xx, but the answer could not be read or decoded: the panel did it.
//
// Nothing was applied after an error before the request was written (a refused or
// unresolvable connection, a failed TLS handshake), after a 429 (the throttle runs before
// the controller), after a 503 in the panel's own error envelope (maintenance mode answers
// before routing), or after a 500 in that envelope (the panel rolls a failed create back
// before it answers).
func mayHaveApplied(status int, sent bool, err error) bool {
	if err == nil {
		return false
	}
	var apiErr *APIError
	switch {
	case status == 0:
		var te *TransportError
		return errors.As(err, &te) && sent
	case status < 300:
		return true
	case status == http.StatusServiceUnavailable, status == http.StatusInternalServerError:
		return !errors.As(err, &apiErr) || len(apiErr.Errors) == 0
	}
	return status >= 500
}

// retryable says whether the outcome of an attempt is worth another one, and how long the
// panel asked to wait (zero: use backoff).
func retryable(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	var te *TransportError
	if errors.As(err, &te) {
		// A refusal whose answer was cut off is still a refusal.
		refused := te.StatusCode >= 300 && te.StatusCode < 500 && te.StatusCode != http.StatusTooManyRequests
		return 0, te.Cause() == CauseUnknown && !refused
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return 0, false
	}
	switch apiErr.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return apiErr.RetryAfter, true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return 0, true
	}
	return 0, false
}

// TransportCause names what a request that got no answer ran into, where that is something
// retrying cannot mend.
type TransportCause int

const (
	// CauseUnknown is every other failure: a refused or reset connection, a timeout. These
	// may pass (a panel restarting, a network glitch) and are retried.
	CauseUnknown TransportCause = iota
	// CauseHostNotFound means DNS answered that the panel URL's host name does not exist.
	CauseHostNotFound
	// CauseNotTLS means an https:// URL reached a server that speaks plain HTTP.
	CauseNotTLS
	// CauseCertificate means the panel's TLS certificate was not accepted: an unknown
	// authority, another host name, or an expired certificate.
	CauseCertificate
)

// Cause classifies the failure. It is decided from the error chain, which the transport keeps.
func (e *TransportError) Cause() TransportCause {
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(e.Err, &dnsErr) && dnsErr.IsNotFound:
		return CauseHostNotFound
	case errors.Is(e.Err, http.ErrSchemeMismatch):
		return CauseNotTLS
	case errors.As(e.Err, &verify), errors.As(e.Err, &unknownCA), errors.As(e.Err, &hostErr), errors.As(e.Err, &invalid):
		return CauseCertificate
	}
	return CauseUnknown
}

// TransportCauseOf returns the cause of a transport failure in err's chain, or CauseUnknown.
func TransportCauseOf(err error) TransportCause {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Cause()
	}
	return CauseUnknown
}

// backoff is exponential from 500ms, capped at 16s, with jitter over its upper half so that
// parallel clients spread out.
func (cl *conn) backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt-1, 5)
	return d/2 + cl.jitter(d/2+1)
}

// retryAfter reads Retry-After (seconds or an HTTP date), else X-RateLimit-Reset (a unix
// time), and returns how long to wait from now. Zero when neither is usable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		var secs int64
		if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		var unix int64
		if _, err := fmt.Sscanf(v, "%d", &unix); err == nil && fmt.Sprint(unix) == v {
			return max(time.Unix(unix, 0).Sub(now), 0)
		}
	}
	return 0
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// deadlineError is a failure decided by the operation's deadline rather than by the panel: a
// retry the deadline left no room for. It records the deadline the decision was made
// against, so that a caller with more time, sharing the request, can try again (share.go).
type deadlineError struct {
	deadline time.Time
	err      error
}

func (e *deadlineError) Error() string { return e.err.Error() }
func (e *deadlineError) Unwrap() error { return e.err }
