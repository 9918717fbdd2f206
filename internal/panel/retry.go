package panel

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// mayHaveApplied reports whether a failed attempt may still have changed the panel: a 5xx,
// or a connection lost after it was made. A refused or unresolvable connection never sent
// the request.
func mayHaveApplied(status int, err error) bool {
	if err == nil {
		return false
	}
	if status >= 500 {
		return true
	}
	var te *TransportError
	if !errors.As(err, &te) {
		return false
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	neverSent := (errors.As(err, &opErr) && opErr.Op == "dial") || errors.As(err, &dnsErr)
	return !neverSent
}

// retryable says whether the outcome of an attempt is worth another one, and how long the
// panel asked to wait (zero: use backoff).
func retryable(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	var te *TransportError
	if errors.As(err, &te) {
		return 0, true
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

// backoff is exponential from 500ms, capped at 16s, with jitter over its upper half so that
// parallel clients spread out.
func (cl *Client) backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt-1, 5)
	return d/2 + rand.N(d/2+1)
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
