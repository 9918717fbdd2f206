package paneltest

import (
	"net/http"
	"strconv"
	"time"
)

// window is one fixed rate-limit period. Like Laravel's cache limiter, a window opens at
// the first hit and lasts one minute; it does not slide.
type window struct {
	start time.Time
	hits  int
}

// limiter holds the open windows, by limiter key (API key token, or server id).
type limiter map[string]*window

// hit records an attempt under key. It returns the attempts left in the window, or, when
// the limit is already reached, ok=false and how long until the window ends.
func (l limiter) hit(key string, limit int, now time.Time) (remaining int, wait time.Duration, ok bool) {
	w := l[key]
	if w == nil || !now.Before(w.start.Add(time.Minute)) {
		w = &window{start: now}
		l[key] = w
	}
	if w.hits >= limit {
		return 0, w.start.Add(time.Minute).Sub(now), false
	}
	w.hits++
	return limit - w.hits, 0, true
}

// throttle applies the client API limiter. Like Laravel's ThrottleRequests, every response
// that passes through it carries X-RateLimit-Limit and X-RateLimit-Remaining.
// limit <= 0 disables it. p.mu is held.
func (p *Panel) throttle(w http.ResponseWriter, l limiter, key string, limit int) *panelError {
	return p.applyLimit(w, l, key, limit, true)
}

// throttleOnly applies an inner limiter (Pelican's per-server create limit). Its headers
// appear only when it refuses: on success the outer client limiter's headers win, because
// that middleware runs last on the way out. p.mu is held.
func (p *Panel) throttleOnly(w http.ResponseWriter, l limiter, key string, limit int) *panelError {
	return p.applyLimit(w, l, key, limit, false)
}

func (p *Panel) applyLimit(w http.ResponseWriter, l limiter, key string, limit int, always bool) *panelError {
	if limit <= 0 {
		return nil
	}
	now := p.opts.Now()
	remaining, wait, ok := l.hit(key, limit, now)
	if ok && !always {
		return nil
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	if ok {
		return nil
	}
	secs := ceilSeconds(wait)
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Unix()+secs, 10))
	return errThrottled()
}

// ceilSeconds rounds d up to whole seconds, as Retry-After must be an integer.
func ceilSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}
