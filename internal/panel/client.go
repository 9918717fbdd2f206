// Package panel is a client for the server-database part of the client API of Pterodactyl
// and Pelican panels, and of their application (admin) API: server databases on a chosen
// database host, and Pelican's database hosts (application.go, hosts.go). It knows nothing
// about Terraform.
//
// It has three layers, each using only those below it:
//
//   - transport (client.go, retry.go, pace.go, errors.go, log.go, keykind.go, locks.go,
//     rules.go): one request path, conn.do, for every call: pacing to the panel's rate
//     limits, one window per API, authentication, JSON headers, the panel's error envelope
//     turned into *APIError, retries with Retry-After, the key's kind and the panel's flavor
//     as the answers tell them, and logging that never carries the API key or a password;
//   - record (model.go, record.go, flight.go): what the client knows about each server, one
//     record per server, filled by lists whoever asked for them, and the flights that share a
//     request between parallel callers. Its one rule: a list that started before one of this
//     client's writes to the server never overwrites what the write recorded;
//   - operations (panel.go, lists.go, databases.go, servers.go, application.go, hosts.go,
//     serverlist.go, sweep.go): the Client and its calls, through either API, drawing on the
//     record with the freshness each needs. With an application key the record is filled by
//     sweeps of the server list, 100 servers a request with their databases (sweep.go).
package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults used when a Config leaves a setting at its zero value.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 4
	DefaultMaxRetryWait   = 2 * time.Minute
	DefaultUserAgent      = "terraform-provider-pterodactyl/dev"
)

// maxThrottledRetries bounds retries of rate-limited (429) requests, which MaxRetries does
// not count: each waits as long as the panel asks, within the wait budget.
const maxThrottledRetries = 10

// maxBodyBytes bounds how much of an answer is read; a database list is a few KiB.
const maxBodyBytes = 8 << 20

// Config configures a Client.
type Config struct {
	// URL is the panel's base URL, for example https://panel.example.com. A path is kept,
	// for panels served under a prefix.
	URL string
	// APIKey is a client API key (ptlc_… on Pterodactyl, pacc_… on Pelican) or an
	// application API key (ptla_…, papp_…); KindOf tells which from its prefix.
	APIKey string
	// UserAgent is sent on every request; DefaultUserAgent when empty.
	UserAgent string
	// RequestTimeout bounds each attempt; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// MaxRetries is how many times an attempt that failed (a 5xx gateway answer or a lost
	// connection) is retried: zero means DefaultMaxRetries, a negative value disables those
	// retries. Rate-limited (429) attempts are retried as the panel asks, within MaxRetryWait.
	MaxRetries int
	// MaxRetryWait bounds the total time spent waiting between attempts of one call;
	// DefaultMaxRetryWait when zero.
	MaxRetryWait time.Duration
	// HTTPClient carries the transport (TLS settings, proxies). Its redirect policy is
	// replaced: redirects are never followed, because the panel's API never redirects and a
	// redirect means a login page or a wrong URL.
	HTTPClient *http.Client
	// Logger receives one line per attempt; nil discards them.
	Logger Logger
}

// conn is the request path: one panel, one API key, the pacers of its APIs, and what the
// answers told about the key's kind and the panel's flavor. The Client embeds it.
type conn struct {
	base       *url.URL
	apiKey     string
	userAgent  string
	timeout    time.Duration
	maxRetries int
	maxWait    time.Duration
	http       *http.Client
	log        Logger
	pace       [apiCount]pacer

	// kind and flavor start from the key's prefix (KindOf, FlavorOf) and are corrected by
	// answers: kindGuessed lets a refusal as an application key switch kind once, and a
	// refused server filter corrects flavor (application.go). camelFilter is set once the
	// panel refused Pelican's spelling of the short-identifier filter.
	appKey      atomic.Bool // Kind is ApplicationKey
	kindGuessed bool
	pelican     atomic.Bool // Flavor is Pelican
	camelFilter atomic.Bool

	// sleep and now are replaced in tests to observe waits without spending them; until,
	// when set, replaces waits for a moment (a rate-limit window's end), so that a fake clock
	// shared by parallel waiters is moved to that moment once rather than once per waiter.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
	until func(ctx context.Context, t time.Time) error
	// attemptTimer starts the request timeout of one attempt and returns its stop function;
	// tests replace it to end an attempt exactly when they choose.
	attemptTimer func(d time.Duration, f func()) (stop func() bool)
	// jitter returns a random duration in [0, d): the spread of retry backoffs. The
	// simulation seeds it, so that a run replays.
	jitter func(d time.Duration) time.Duration
}

// newConn checks cfg and returns the request path it describes.
func newConn(cfg Config) (*conn, error) {
	base, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("the API key is empty")
	}
	c := &conn{
		base:       base,
		apiKey:     cfg.APIKey,
		userAgent:  cfg.UserAgent,
		timeout:    cfg.RequestTimeout,
		maxRetries: cfg.MaxRetries,
		maxWait:    cfg.MaxRetryWait,
		log:        cfg.Logger,
		sleep:      sleepContext,
		now:        time.Now,
		attemptTimer: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
		jitter: rand.N[time.Duration],
	}
	for i := range c.pace {
		c.pace[i].general.left = -1 // unknown until an answer tells
	}
	c.appKey.Store(KindOf(cfg.APIKey) == ApplicationKey)
	c.kindGuessed = !knownPrefix(cfg.APIKey)
	c.pelican.Store(FlavorOf(cfg.APIKey) == Pelican)
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxRetryWait
	}
	if c.log == nil {
		c.log = nopLogger{}
	}
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	return c, nil
}

// ParseURL checks that raw is an absolute http or https URL without query or credentials,
// and returns it without a trailing slash.
func ParseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("the panel URL is empty")
	}
	if !strings.Contains(raw, "://") {
		return nil, fmt.Errorf("the panel URL %q has no scheme: write it as https://%s (or http:// for a panel on "+
			"this machine)", raw, strings.TrimLeft(raw, "/:"))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the panel URL %q is not a valid URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("the panel URL %q must start with https:// or http://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("the panel URL %q has no host", raw)
	}
	if u.User != nil {
		return nil, errors.New("the panel URL must not contain a user name or password; set the API key instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("the panel URL %q must not have a query or fragment", raw)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), apiPath)
	u.RawPath = ""
	if page := panelPage(u.Path); page != "" {
		return nil, fmt.Errorf("the panel URL %q points at the panel's %s, not at the panel: give its base URL, "+
			"the address of its login page without a path, such as %s://%s", raw, page, u.Scheme, u.Host)
	}
	return u, nil
}

// apiPath is where the client API is, under the panel's base URL.
const apiPath = "/api/client"

// api names one of the panel's two APIs. Each has its own base path and its own rate limit.
type api int

const (
	clientAPI      api = iota
	applicationAPI     // admin: /api/application
	apiCount
)

func (a api) path() string {
	if a == applicationAPI {
		return "/api/application"
	}
	return apiPath
}

func (a api) String() string {
	if a == applicationAPI {
		return "application API"
	}
	return "client API"
}

// HasAPIPath reports whether the panel URL ends in the client API's path, /api/client, which
// ParseURL takes off: the client adds it to every request itself.
func HasAPIPath(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && strings.HasSuffix(strings.TrimRight(u.Path, "/"), apiPath)
}

// panelPage names the panel page or API a URL path points into, such as "page /admin" or "API
// /api/application", or returns "" for a path that may be where the panel is installed. Both
// panels serve their pages and APIs under these first segments (routes/*.php).
func panelPage(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, seg := range segs {
		rest := "/" + strings.Join(segs[i:], "/")
		switch strings.ToLower(seg) {
		case "api":
			return "API " + rest
		case "admin", "account", "auth":
			return "page " + rest
		case "server":
			if i+1 < len(segs) {
				return "page " + rest
			}
		}
	}
	return ""
}

// call describes one API operation.
type call struct {
	op     string // for errors and logs, e.g. "create database"
	api    api    // clientAPI unless set
	method string
	path   string // under the API's base path, already escaped
	query  url.Values
	body   any
	// untilDeadline lets retries wait as long as the caller's deadline allows instead of
	// MaxRetryWait: the create throttle (Pelican, Pterodactyl 1.12) asks for waits of up to a
	// minute per window.
	untilDeadline bool
	// createOn is the serverKey of a create, which Pelican and Pterodactyl 1.12 also throttle
	// per server.
	createOn string
	// sendOnce stops the retries once an attempt may have reached the panel (mayHaveApplied):
	// a create sent twice can make two databases, so the caller looks for the first instead.
	sendOnce bool
	// secrets are sent in the body (a database host's password): they are taken out of
	// everything the call logs or returns, as the API key is.
	secrets []string
}

// outcome tells the caller what happened across attempts.
type outcome struct {
	attempts int
	// ambiguous is true when some attempt of a write may have been applied by the panel
	// without the client seeing the answer (mayHaveApplied).
	ambiguous bool
	// sentAt is when the last attempt was let through, after any wait for the panel's
	// rate-limit windows.
	sentAt time.Time
}

// do runs c with retries and decodes a successful JSON answer into out (when not nil).
func (cl *conn) do(ctx context.Context, c call, out any) (outcome, error) {
	var res outcome
	var body []byte
	if c.body != nil {
		var err error
		if body, err = json.Marshal(c.body); err != nil {
			return res, fmt.Errorf("%s: encoding the request: %w", c.op, err)
		}
	}
	var waited time.Duration
	var failures, throttled int
	for {
		t, err := cl.admit(ctx, c)
		if err != nil {
			return res, cl.finish(ctx, c, res, err)
		}
		res.attempts++
		res.sentAt = cl.now()
		a, err := cl.attempt(ctx, c, body, out)
		cl.observe(t, a.status, a.header)
		if c.method != http.MethodGet && mayHaveApplied(a.status, a.sent, err) {
			res.ambiguous = true
			if c.sendOnce {
				return res, cl.finish(ctx, c, res, err)
			}
		}
		wait, retry := retryable(err)
		if !retry {
			return res, cl.finish(ctx, c, res, err)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return res, fmt.Errorf("%s: %w", c.op, ctxErr)
		}
		if IsRateLimited(err) {
			throttled++
		} else {
			failures++
		}
		if wait <= 0 {
			wait = cl.backoff(res.attempts)
		}
		if reason, dl := cl.stop(ctx, c, failures, throttled, res.attempts, waited, wait); reason != "" {
			err = fmt.Errorf("%w (%s)", err, reason)
			if !dl.IsZero() {
				err = &deadlineError{deadline: dl, err: err}
			}
			return res, cl.finish(ctx, c, res, err)
		}
		cl.log.Warn(ctx, "panel request failed; retrying", map[string]any{
			"operation": c.op, "attempt": res.attempts, "wait_ms": wait.Milliseconds(), "error": err.Error(),
		})
		if err := cl.sleep(ctx, wait); err != nil {
			return res, fmt.Errorf("%s: %w", c.op, err)
		}
		cl.windowOver(t)
		waited += wait
	}
}

// stop returns why no further attempt may be made, or "" to go on. When the reason is the
// operation's deadline, it also returns that deadline.
func (cl *conn) stop(ctx context.Context, c call, failures, throttled, attempts int, waited, wait time.Duration) (string, time.Time) {
	// A 429 is the panel saying when to come back, not a failure: it is retried as asked
	// within the wait budget, whatever MaxRetries says, up to a bound of its own.
	if throttled > maxThrottledRetries {
		return fmt.Sprintf("gave up after %d attempts: the panel answered 429 %d times", attempts, throttled), time.Time{}
	}
	if failures > cl.maxRetries {
		return fmt.Sprintf("gave up after %d attempts", attempts), time.Time{}
	}
	if !c.untilDeadline && waited+wait > cl.maxWait {
		return fmt.Sprintf("gave up after %d attempts: waiting %s more would pass the retry wait limit of %s",
			attempts, wait.Round(time.Second), cl.maxWait), time.Time{}
	}
	// Deadlines are on the real clock, whatever clock the panel's headers are read with.
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return fmt.Sprintf("gave up after %d attempts: waiting %s more would pass the operation's deadline",
			attempts, wait.Round(time.Second)), dl
	}
	return "", time.Time{}
}

// finish records the attempt count on the error, and says what the refusals particular to
// one API mean (explain, in application.go).
func (cl *conn) finish(ctx context.Context, c call, res outcome, err error) error {
	if err == nil {
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = res.attempts
	}
	return cl.explain(ctx, c, err)
}

// answer is what one attempt got back: the HTTP status and headers, or 0 and nil when no
// answer came, and whether the request was written out (to the connection's buffer at
// least), so that the panel may have received it.
type answer struct {
	status int
	header http.Header
	sent   bool
}

// attempt sends one request. The response body is consumed and closed here.
func (cl *conn) attempt(ctx context.Context, c call, body []byte, out any) (answer, error) {
	// The timeout is a timer of its own rather than a context deadline, so the attempt lasts
	// the request timeout whatever deadline ctx reports now: a shared request's deadline moves
	// as callers join and leave (share.go).
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopTimer := cl.attemptTimer(cl.timeout, func() { cancel(errAttemptTimeout) })
	defer stopTimer()
	// WroteHeaders marks the request as possibly received. GetConn clears the mark: net/http
	// tries a request again on a new connection by itself only when nothing of it was written.
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GetConn:      func(string) { wrote.Store(false) },
		WroteHeaders: func() { wrote.Store(true) },
	})

	u := *cl.base
	// c.path is escaped already; keep both forms so ids with reserved characters survive.
	u.RawPath = cl.base.EscapedPath() + c.api.path() + c.path
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = c.query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, c.method, u.String(), rd)
	if err != nil {
		return answer{}, fmt.Errorf("%s: building the request: %w", c.op, err)
	}
	req.Header.Set("Authorization", "Bearer "+cl.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", cl.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := cl.now()
	resp, err := cl.http.Do(req)
	fields := map[string]any{"operation": c.op, "method": c.method, "path": u.EscapedPath()}
	if err != nil {
		err = cl.timedOut(ctx, actx, err)
		fields["error"] = cl.redact(err.Error(), c.secrets...)
		fields["duration_ms"] = cl.now().Sub(start).Milliseconds()
		fields["sent"] = wrote.Load()
		cl.log.Debug(ctx, "panel request failed", fields)
		return answer{sent: wrote.Load()}, &TransportError{Operation: c.op, URL: cl.redactURL(u), Err: redactedError{cl.redact(err.Error(), c.secrets...), err}}
	}
	defer func() { _ = resp.Body.Close() }()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	fields["status"] = resp.StatusCode
	fields["duration_ms"] = cl.now().Sub(start).Milliseconds()
	cl.log.Debug(ctx, "panel request", fields)
	if readErr != nil {
		// The status says what the panel decided, even when its answer was cut short.
		readErr = cl.timedOut(ctx, actx, readErr)
		return answer{status: resp.StatusCode, header: resp.Header, sent: true}, &TransportError{
			Operation: c.op, URL: cl.redactURL(u), StatusCode: resp.StatusCode,
			Err: redactedError{cl.redact(readErr.Error(), c.secrets...), readErr},
		}
	}
	a := answer{status: resp.StatusCode, header: resp.Header, sent: true}
	return a, cl.decode(c, u, resp, raw, out)
}

// timedOut returns err as an attemptTimeoutError when the request timeout ended the attempt
// actx (and not the call's own context ctx).
func (cl *conn) timedOut(ctx, actx context.Context, err error) error {
	if errors.Is(context.Cause(actx), errAttemptTimeout) && ctx.Err() == nil {
		return &attemptTimeoutError{timeout: cl.timeout, err: err}
	}
	return err
}

// errAttemptTimeout is the cause an attempt is cancelled with when the request timeout ends it.
var errAttemptTimeout = errors.New("request timeout")

// attemptTimeoutError is an attempt the request timeout ended. It is a
// context.DeadlineExceeded, as a context deadline would have given.
type attemptTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("the request timeout of %s ran out", e.timeout)
}

func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
func (e *attemptTimeoutError) Unwrap() error        { return e.err }

// decode turns an answer into nil (success, out filled), *APIError or *NotPanelError.
func (cl *conn) decode(c call, u url.URL, resp *http.Response, raw []byte, out any) error {
	notPanel := &NotPanelError{
		Operation:   c.op,
		API:         c.api.String(),
		URL:         cl.redactURL(u),
		StatusCode:  resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		notPanel.Location = resp.Header.Get("Location")
		return notPanel
	}
	isJSON := jsonContentType(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 300 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if !isJSON || json.Unmarshal(raw, out) != nil {
			return notPanel
		}
		return nil
	}
	apiErr := &APIError{
		Operation:  c.op,
		Method:     c.method,
		Path:       u.Path,
		StatusCode: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header, cl.now()),
	}
	var env errorEnvelope
	if isJSON && json.Unmarshal(raw, &env) == nil && len(env.Errors) > 0 {
		for _, e := range env.Errors {
			// A panel in debug mode may quote what it was sent in its message.
			apiErr.Errors = append(apiErr.Errors, ErrorItem{
				Code: e.Code, Status: e.Status, Detail: cl.redact(e.Detail, c.secrets...),
				SourceField: e.Meta.SourceField, Rule: e.Meta.Rule,
			})
		}
		return apiErr
	}
	// Gateways and load balancers answer 5xx pages of their own; those are still worth
	// retrying and reporting as a server failure rather than as a wrong URL.
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return apiErr
	}
	return notPanel
}

type errorEnvelope struct {
	Errors []struct {
		Code   string `json:"code"`
		Status string `json:"status"`
		Detail string `json:"detail"`
		Meta   struct {
			SourceField string `json:"source_field"`
			Rule        string `json:"rule"`
		} `json:"meta"`
	} `json:"errors"`
}

func jsonContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// TransportError is a request that got no HTTP answer, or only part of one: connection
// refused, reset, TLS failure, DNS failure, or an attempt that ran past the request timeout.
type TransportError struct {
	Operation string
	URL       string
	// StatusCode is the status of an answer whose body was cut off; 0 when none came.
	StatusCode int
	Err        error
}

func (e *TransportError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s: the panel's answer (HTTP %d) from %s was cut off: %v", e.Operation, e.StatusCode, e.URL, e.Err)
	}
	return fmt.Sprintf("%s: no answer from the panel at %s: %v", e.Operation, e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }
