package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pacing. Both panels throttle with Laravel's fixed windows: a window opens with the first
// request it counts, lasts its period, and every request past the limit is refused with 429
// until it ends. Retrying alone finds each window's end by being refused, once per parallel
// request: ten reads at once are ten 429s. The pacer instead learns the windows from answers
// and holds requests back, so that at most about one request per window is refused:
//
//   - the client API limit (720 a minute on Pterodactyl, 256 on Pelican) counts every request
//     of the key's user. Every answer carries X-RateLimit-Limit and X-RateLimit-Remaining; a
//     429 adds Retry-After and X-RateLimit-Reset. When none is left and the end is unknown,
//     one request is let through to ask, and the others wait for its answer.
//   - the application API has a limit of its own (240 a minute on Pterodactyl, 256 on
//     Pelican), counted apart from the client API's and told by the same headers. Each API
//     has its own pacer (Client.pacer), so a used-up window of one never holds the other back.
//   - the create limit of Pelican and of Pterodactyl 1.12 and later (ResourceLimit::DatabaseCreate,
//     2 a minute per server, whoever sends them) shows only in its 429s, whose
//     X-RateLimit-Limit is its own. Once one was seen, the client counts its creates per
//     window and waits for the next window itself. Pterodactyl 1.11 has none.

// createPeriod is the length of the create window (Pelican's APP_API_DATABASE_CREATE_RATELIMIT_PERIOD
// defaults to one minute, Pterodactyl 1.12's is one minute). A longer configured period only costs one refused create per window,
// which then tells the real end.
const createPeriod = time.Minute

// windowMargin pads window ends the client works out itself: the panel opens a window when a
// request arrives, a little after it was sent, and counts in whole seconds.
const windowMargin = time.Second

// firstAnswerGrace is how long requests wait for the first answer to tell the limits. A
// first request slower than that (a large list, a slow panel) stops holding the others back.
const firstAnswerGrace = time.Second

// pacer holds what the panel's answers told about the rate-limit windows of one API. A count
// of -1 means unknown; New sets the general windows'.
type pacer struct {
	mu      sync.Mutex
	general generalWindow
	creates map[string]*createWindow // by serverKey
	changed chan struct{}            // closed and replaced whenever an answer arrives
}

// generalWindow is an API's limit, shared by every request of the key to that API.
type generalWindow struct {
	limit int // X-RateLimit-Limit; 0 until an answer says
	// left is the lowest X-RateLimit-Remaining answered in this window, -1 while unknown.
	// Answers arrive out of order, and requests in flight may or may not be counted in it, so
	// only what is left beyond every request in flight may be sent. Within a window the
	// count only falls; a higher one is believed only from a request that was alone in
	// flight, which is how a window that ended unseen shows.
	left     int
	epoch    uint64    // windows started by the client (fresh); older answers say nothing
	resetAt  time.Time // when the used-up window ends, from a 429; zero when unknown
	inflight int
	solo     *ticket // the request in flight while no other is, if any
	// answered is set by the first answer, or once firstAnswerGrace has passed without one.
	// Until then one request at a time goes, so that a burst of parallel requests from a key
	// whose window is already used up costs one 429, not one each. An answer without the
	// headers leaves left unknown: nothing is paced.
	answered bool
}

// createWindow is the create limit of one server.
type createWindow struct {
	limit   int       // creates per window; 0 until a 429 says
	left    int       // creates left in the current window; -1 while uncounted
	resetAt time.Time // end of the current window: told by a 429, or worked out; zero if none
}

// ticket is one request let through: what its answer must be matched with.
type ticket struct {
	p      *pacer // the pacer of the request's API
	epoch  uint64
	alone  bool   // nothing else was in flight from when it went until its answer
	create string // serverKey of a create, "" for other requests
	// reset is the window end announced by a 429 to this request, and createReset whether it
	// is the create window's, so that sleeping it out can close that window (windowOver).
	reset       time.Time
	createReset bool
}

func (p *pacer) broadcast() {
	if p.changed != nil {
		close(p.changed)
	}
	p.changed = make(chan struct{})
}

// wakeup returns a channel closed at the next answer. p.mu is held.
func (p *pacer) wakeup() <-chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// take lets a request through. p.mu is held.
func (p *pacer) take(create string) *ticket {
	g := &p.general
	t := &ticket{p: p, epoch: g.epoch, alone: g.inflight == 0, create: create}
	if g.solo != nil {
		g.solo.alone = false
	}
	g.solo = nil
	if t.alone {
		g.solo = t
	}
	g.inflight++
	return t
}

// roll starts a new general window once the old one has ended. p.mu is held.
func (p *pacer) roll(now time.Time) {
	if !p.general.resetAt.IsZero() && !now.Before(p.general.resetAt) {
		p.fresh()
	}
}

// fresh starts a new general window: the whole limit is left, and answers to requests sent
// before count for nothing. p.mu is held.
func (p *pacer) fresh() {
	g := &p.general
	g.left = -1
	if g.limit > 0 {
		g.left = g.limit
	}
	g.epoch++
	g.resetAt = time.Time{}
}

func (p *pacer) window(server string) *createWindow {
	if p.creates == nil {
		p.creates = map[string]*createWindow{}
	}
	w := p.creates[server]
	if w == nil {
		w = &createWindow{left: -1}
		p.creates[server] = w
	}
	return w
}

func (w *createWindow) end() {
	w.left = -1
	if w.limit > 0 {
		w.left = w.limit
	}
	w.resetAt = time.Time{}
}

// pacer returns the pacer of an API: each API's limit is counted apart.
func (cl *conn) pacer(a api) *pacer { return &cl.pace[a] }

// admit waits until c may be sent without being refused, as far as the client knows, and
// returns its ticket. A wait that would outlast what the call may wait (its deadline, or
// MaxRetryWait) is not started: the request goes, and the panel's answer decides.
func (cl *conn) admit(ctx context.Context, c call) (*ticket, error) {
	if c.createOn != "" {
		if err := cl.admitCreate(ctx, c); err != nil {
			return nil, err
		}
	}
	p := cl.pacer(c.api)
	for {
		p.mu.Lock()
		now := cl.now()
		p.roll(now)
		g := &p.general
		budget := g.left - g.inflight
		switch {
		case g.left < 0 && (g.answered || g.inflight == 0), g.left >= 0 && budget > 0:
			t := p.take(c.createOn)
			p.mu.Unlock()
			return t, nil
		case !g.resetAt.IsZero():
			end, limit := g.resetAt, g.limit
			p.mu.Unlock()
			if err := cl.waitFor(ctx, c, end, "the "+c.api.String(), limit); err != nil {
				if errors.Is(err, errUnaffordable) {
					return cl.takeNow(c), nil
				}
				return nil, err
			}
		case g.inflight > 0:
			// The answers on their way say more; one of them may be a 429 with the end.
			ch, first := p.wakeup(), !g.answered
			p.mu.Unlock()
			if err := p.await(ctx, c, ch, first); err != nil {
				return nil, err
			}
		default:
			// Used up, end unknown, nothing in flight: this request asks, the others wait.
			t := p.take(c.createOn)
			p.mu.Unlock()
			return t, nil
		}
	}
}

// await waits for the next answer. Before the first answer it waits at most
// firstAnswerGrace, on the real clock: only requests are held back, never the panel's time.
func (p *pacer) await(ctx context.Context, c call, ch <-chan struct{}, first bool) error {
	var grace <-chan time.Time
	if first {
		t := time.NewTimer(firstAnswerGrace)
		defer t.Stop()
		grace = t.C
	}
	select {
	case <-ch:
	case <-grace:
		p.mu.Lock()
		p.general.answered = true
		p.mu.Unlock()
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", c.op, ctx.Err())
	}
	return nil
}

func (cl *conn) takeNow(c call) *ticket {
	p := cl.pacer(c.api)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.take(c.createOn)
}

// admitCreate waits for a free create slot on the server, once its limit is known.
func (cl *conn) admitCreate(ctx context.Context, c call) error {
	p := cl.pacer(c.api)
	for {
		p.mu.Lock()
		now := cl.now()
		w := p.window(c.createOn)
		if !w.resetAt.IsZero() && !now.Before(w.resetAt) {
			w.end()
		}
		if w.left != 0 {
			if w.left > 0 {
				// This create opens the window if none is open: it ends a period from now.
				if w.resetAt.IsZero() {
					w.resetAt = now.Add(createPeriod + windowMargin)
				}
				w.left--
			}
			p.mu.Unlock()
			return nil
		}
		end, limit := w.resetAt, w.limit
		p.mu.Unlock()
		if err := cl.waitFor(ctx, c, end, "creates on the server", limit); err != nil {
			if errors.Is(err, errUnaffordable) {
				return nil
			}
			return err
		}
	}
}

// errUnaffordable says a pacing wait was not started because the call may not wait that long.
var errUnaffordable = errors.New("pacing wait not affordable")

// waitFor sleeps until end, unless that is more than c may wait.
func (cl *conn) waitFor(ctx context.Context, c call, end time.Time, scope string, limit int) error {
	wait := end.Sub(cl.now())
	if wait <= 0 {
		return nil
	}
	dl, hasDeadline := ctx.Deadline()
	if (!c.untilDeadline && wait > cl.maxWait) || (hasDeadline && time.Until(dl) < wait) {
		return errUnaffordable
	}
	cl.log.Debug(ctx, "waiting for the panel's rate-limit window", map[string]any{
		"operation": c.op, "limit_scope": scope, "limit": limit, "wait_ms": wait.Milliseconds(),
	})
	if err := cl.sleepUntil(ctx, end); err != nil {
		return fmt.Errorf("%s: %w", c.op, err)
	}
	return nil
}

// sleepUntil waits until t on the client's clock.
func (cl *conn) sleepUntil(ctx context.Context, t time.Time) error {
	if cl.until != nil {
		return cl.until(ctx, t)
	}
	return cl.sleep(ctx, t.Sub(cl.now()))
}

// observe records what the answer to t tells about the windows. status is 0 and h nil when no
// answer came.
func (cl *conn) observe(t *ticket, status int, h http.Header) {
	p := t.p
	now := cl.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.broadcast()
	g := &p.general
	g.inflight--
	if g.solo == t {
		g.solo = nil
	}
	g.answered = g.answered || status != 0
	limit, hasLimit := headerInt(h, "X-RateLimit-Limit")
	throttled := status == http.StatusTooManyRequests
	if t.create != "" && throttled {
		w := p.window(t.create)
		// The create throttle (Pelican, Pterodactyl 1.12) sends its own limit; anything else
		// came from the client API limit, which left the create uncounted.
		if !hasLimit || g.limit == 0 || limit != g.limit {
			if hasLimit && limit > 0 {
				w.limit = limit
			}
			wait := retryAfter(h, now)
			if wait <= 0 {
				wait = createPeriod
			}
			w.left, w.resetAt = 0, now.Add(wait)
			t.reset, t.createReset = w.resetAt, true
			return
		}
		if w.left >= 0 && w.left < w.limit {
			w.left++
		}
	}
	if hasLimit && limit > 0 {
		g.limit = limit
	}
	if t.epoch != g.epoch {
		return // sent in a window that has ended since
	}
	if left, ok := headerInt(h, "X-RateLimit-Remaining"); ok {
		left = max(left, 0)
		if t.alone || g.left < 0 || left < g.left {
			g.left = left
		}
	}
	if throttled {
		g.left = 0
		if wait := retryAfter(h, now); wait > 0 {
			g.resetAt = now.Add(wait)
			t.reset = g.resetAt
		}
	}
}

// windowOver closes the window a 429 to t announced, once the caller has slept until its end:
// the wait the panel asked for is over, whatever the clock says.
func (cl *conn) windowOver(t *ticket) {
	if t.reset.IsZero() {
		return
	}
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.broadcast()
	if t.createReset {
		if w := p.creates[t.create]; w != nil && w.resetAt.Equal(t.reset) {
			w.end()
		}
		return
	}
	if p.general.resetAt.Equal(t.reset) {
		p.fresh()
	}
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// CreateLimit is the database create limit of the server on the client API, per minute: as
// a refused create told it, else the panel's default where the client knows it (Pelican's,
// DefaultCreateLimit). learned says which; 0 when the client knows of none (a Pterodactyl
// panel whose creates were never refused: 1.11 has no limit, 1.12 and later the default).
func (cl *Client) CreateLimit(server string) (perMinute int, learned bool) {
	p := cl.pacer(clientAPI)
	p.mu.Lock()
	w := p.creates[serverKey(server)]
	limit := 0
	if w != nil {
		limit = w.limit
	}
	p.mu.Unlock()
	switch {
	case limit > 0:
		return limit, true
	case cl.Flavor() == Pelican:
		return DefaultCreateLimit, false
	}
	return 0, false
}

// DefaultCreateLimit is the create limit per server and minute of Pelican and of
// Pterodactyl 1.12 and later (ResourceLimit::DatabaseCreate), unless configured otherwise.
const DefaultCreateLimit = 2
