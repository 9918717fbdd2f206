package panel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

const testKey = "ptlc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"

// recordingLogger keeps every line so tests can check what reaches logs.
type recordingLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordingLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %v", level, msg, fields))
}

func (l *recordingLogger) Debug(_ context.Context, msg string, f map[string]any) {
	l.add("DEBUG", msg, f)
}
func (l *recordingLogger) Warn(_ context.Context, msg string, f map[string]any) {
	l.add("WARN", msg, f)
}

func (l *recordingLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// sleepRecorder replaces the client's sleep so retry waits are observed, not spent.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

// handlerClient serves h and returns a client for it whose waits are recorded.
func handlerClient(t testing.TB, h http.HandlerFunc, mutate func(*Config)) (*Client, *sleepRecorder, *recordingLogger) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	logger := &recordingLogger{}
	cfg := Config{URL: srv.URL, APIKey: testKey, Logger: logger}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	return c, rec, logger
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body)) //nolint:gosec // the test's own fixed JSON, served as JSON
}

const listBody = `{"object":"list","data":[]}`

func TestRequestHeaders(t *testing.T) {
	var got []http.Header
	var methods []string
	var mu sync.Mutex
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		methods = append(methods, r.Method)
		mu.Unlock()
		if r.Method == http.MethodPost {
			writeJSON(w, 200, `{"object":"server_database","attributes":{"id":"abcdEFGH","name":"s1_db","host":{"address":"h","port":3306}}}`)
			return
		}
		writeJSON(w, 200, listBody)
	}, func(cfg *Config) { cfg.UserAgent = "terraform-provider-pterodactyl/1.2.3 Terraform/1.11.4" })

	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "db", Remote: "%"}); err != nil {
		t.Fatal(err)
	}
	for i, h := range got {
		if h.Get("Authorization") != "Bearer "+testKey {
			t.Errorf("request %d: Authorization = %q", i, h.Get("Authorization"))
		}
		if h.Get("Accept") != "application/json" {
			t.Errorf("request %d: Accept = %q", i, h.Get("Accept"))
		}
		if h.Get("User-Agent") != "terraform-provider-pterodactyl/1.2.3 Terraform/1.11.4" {
			t.Errorf("request %d: User-Agent = %q", i, h.Get("User-Agent"))
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d requests, want a list (which the create's name check takes too) and the create", len(got))
	}
	for i, h := range got {
		want := ""
		if methods[i] == http.MethodPost {
			want = "application/json"
		}
		if ct := h.Get("Content-Type"); ct != want {
			t.Errorf("%s sent Content-Type %q, want %q", methods[i], ct, want)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var calls atomic.Int32
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
			return
		}
		writeJSON(w, 200, listBody)
	}, nil)
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Fatalf("requests = %d, want 3", calls.Load())
	}
	if len(rec.waits) != 2 || rec.waits[0] != 7*time.Second || rec.waits[1] != 7*time.Second {
		t.Fatalf("waits = %v, want [7s 7s]", rec.waits)
	}
}

func TestRetryAfterIsHonouredInRealTime(t *testing.T) {
	var calls atomic.Int32
	var first time.Time
	var gap time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
			return
		}
		gap = time.Since(first)
		writeJSON(w, 200, listBody)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	// A lower bound only: the second request may not come before the panel allowed it.
	if gap < time.Second {
		t.Fatalf("second request came %s after a Retry-After of 1s", gap)
	}
}

func TestRateLimitResetUsedWithoutRetryAfter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var calls atomic.Int32
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(now.Add(12*time.Second).Unix()))
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
			return
		}
		writeJSON(w, 200, listBody)
	}, nil)
	c.now = func() time.Time { return now }
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if len(rec.waits) != 1 || rec.waits[0] != 12*time.Second {
		t.Fatalf("waits = %v, want [12s]", rec.waits)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "30"}, 30 * time.Second},
		{"http date", map[string]string{"Retry-After": now.Add(45 * time.Second).Format(http.TimeFormat)}, 45 * time.Second},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"garbage falls back to reset", map[string]string{"Retry-After": "soon", "X-RateLimit-Reset": fmt.Sprint(now.Add(5 * time.Second).Unix())}, 5 * time.Second},
		{"negative seconds", map[string]string{"Retry-After": "-3"}, 0},
		{"nothing", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			if got := retryAfter(h, now); got != tc.want {
				t.Fatalf("retryAfter = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestServerErrorsRetriedWithBackoff(t *testing.T) {
	for _, status := range []int{502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var calls atomic.Int32
			c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
				if calls.Add(1) <= 3 {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(status)
					_, _ = w.Write([]byte("<html>bad gateway</html>"))
					return
				}
				writeJSON(w, 200, listBody)
			}, nil)
			if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
				t.Fatal(err)
			}
			if calls.Load() != 4 {
				t.Fatalf("requests = %d, want 4", calls.Load())
			}
			if len(rec.waits) != 3 {
				t.Fatalf("waits = %v, want three", rec.waits)
			}
			// Exponential: each upper bound doubles from 500ms, jitter keeps at least half.
			for i, w := range rec.waits {
				hi := 500 * time.Millisecond << i
				if w < hi/2 || w > hi {
					t.Errorf("wait %d = %s, want within [%s, %s]", i, w, hi/2, hi)
				}
			}
		})
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	var calls atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		writeJSON(w, 503, `{"errors":[{"code":"HttpException","status":"503","detail":"Service Unavailable"}]}`)
	}, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := c.ListDatabases(t.Context(), "1a7ce997", false)
	if calls.Load() != 3 {
		t.Fatalf("requests = %d, want 3 (1 + 2 retries)", calls.Load())
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("error = %v, want an APIError with status 503", err)
	}
	if !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("error %q does not say how many attempts were made", err)
	}
}

func TestRetriesDisabled(t *testing.T) {
	var calls atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		writeJSON(w, 503, `{"errors":[{"code":"HttpException","status":"503","detail":"Service Unavailable"}]}`)
	}, func(cfg *Config) { cfg.MaxRetries = -1 })
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err == nil {
		t.Fatal("want an error")
	}
	if calls.Load() != 1 {
		t.Fatalf("requests = %d, want 1", calls.Load())
	}
}

func TestTotalWaitIsBounded(t *testing.T) {
	var calls atomic.Int32
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "100")
		writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
	}, func(cfg *Config) { cfg.MaxRetryWait = 30 * time.Second })
	_, err := c.ListDatabases(t.Context(), "1a7ce997", false)
	if !IsRateLimited(err) {
		t.Fatalf("error = %v, want rate limited", err)
	}
	if calls.Load() != 1 || len(rec.waits) != 0 {
		t.Fatalf("requests = %d, waits = %v; a wait past the limit must not start", calls.Load(), rec.waits)
	}
	if !strings.Contains(err.Error(), "retry wait limit") {
		t.Fatalf("error %q does not name the retry wait limit", err)
	}
}

func TestNeverWaitsPastTheDeadline(t *testing.T) {
	var calls atomic.Int32
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "20")
		writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
	}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := c.ListDatabases(ctx, "1a7ce997", false)
	if !IsRateLimited(err) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("error = %v, want rate limited, naming the deadline", err)
	}
	if calls.Load() != 1 || len(rec.waits) != 0 {
		t.Fatalf("requests = %d, waits = %v", calls.Load(), rec.waits)
	}
}

func TestCanceledContextStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		cancel()
		writeJSON(w, 503, `{"errors":[{"code":"HttpException","status":"503","detail":"Service Unavailable"}]}`)
	}, nil)
	_, err := c.ListDatabases(ctx, "1a7ce997", false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("requests = %d, want 1", calls.Load())
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 405, 409, 422, 500} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var calls atomic.Int32
			c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				writeJSON(w, status, fmt.Sprintf(`{"errors":[{"code":"X","status":"%d","detail":"no"}]}`, status))
			}, nil)
			if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err == nil {
				t.Fatal("want an error")
			}
			if calls.Load() != 1 {
				t.Fatalf("requests = %d, want 1", calls.Load())
			}
		})
	}
}

// dropConnection hijacks the request and closes it without an answer.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_ = conn.Close()
}

func TestTransportErrorsRetried(t *testing.T) {
	var calls atomic.Int32
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			dropConnection(t, w)
			return
		}
		writeJSON(w, 200, listBody)
	}, nil)
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || len(rec.waits) != 1 {
		t.Fatalf("requests = %d, waits = %v", calls.Load(), rec.waits)
	}
}

func TestRequestTimeoutIsPerAttempt(t *testing.T) {
	var calls atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		writeJSON(w, 200, listBody)
	}, func(cfg *Config) { cfg.RequestTimeout = 100 * time.Millisecond })
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Fatalf("requests = %d, want 2", calls.Load())
	}
}

func TestNothingListening(t *testing.T) {
	addr := paneltest.RefusingAddress(t)
	c, err := New(Config{URL: "http://" + addr, APIKey: testKey, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	_, err = c.ListDatabases(t.Context(), "1a7ce997", false)
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want a TransportError", err)
	}
	if !strings.Contains(err.Error(), "no answer from the panel at http://"+addr) {
		t.Fatalf("error %q does not name the URL", err)
	}
	// A refused connection may be a panel restarting: it is retried.
	if te.Cause() != CauseUnknown || !strings.Contains(err.Error(), "connection refused (gave up after 2 attempts)") || len(rec.waits) != 1 {
		t.Fatalf("error %q after waits %v, want connection refused, retried once", err, rec.waits)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatalf("error %q carries the API key", err)
	}
}

func TestNotThePanel(t *testing.T) {
	const page = "<html><body>secret page content</body></html>"
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"html page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(page))
		}, `HTTP 200 with content type "text/html; charset=utf-8"`},
		{"login redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/auth/login", http.StatusFound)
		}, "a redirect (HTTP 302) to /auth/login"},
		{"html not found", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			_, _ = w.Write([]byte(page))
		}, `HTTP 404 with content type "text/html"`},
		{"json that is not the envelope", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 404, `{"message":"nope"}`)
		}, "HTTP 404"},
		{"json content type, html body", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, page)
		}, "HTTP 200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := handlerClient(t, tc.handler, nil)
			_, err := c.ListDatabases(t.Context(), "1a7ce997", false)
			var np *NotPanelError
			if !errors.As(err, &np) {
				t.Fatalf("error = %v, want a NotPanelError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "does not look like a Pterodactyl or Pelican client API") {
				t.Fatalf("error %q, want it to contain %q", msg, tc.want)
			}
			if strings.Contains(msg, "secret page content") {
				t.Fatalf("error %q dumps the body", msg)
			}
		})
	}
}

func TestErrorEnvelope(t *testing.T) {
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSON(w, 200, listBody)
			return
		}
		writeJSON(w, 422, `{"errors":[
			{"code":"ValidationException","status":"422","detail":"The database must be at least 3 characters.","meta":{"source_field":"database","rule":"min"}},
			{"code":"ValidationException","status":"422","detail":"The remote format is invalid.","meta":{"source_field":"remote","rule":"regex"}}]}`)
	}, nil)
	_, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "ab", Remote: "%%"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v", err)
	}
	if !IsValidation(err) || apiErr.Code() != CodeValidation || !apiErr.HasRule("database", "min") || !apiErr.HasRule("remote", "regex") {
		t.Fatalf("error not parsed: %+v", apiErr)
	}
	want := `create database "ab" on server 1a7ce997: panel answered HTTP 422 (ValidationException): The database must be at least 3 characters.; The remote format is invalid.`
	if err.Error() != want {
		t.Fatalf("error\n got %q\nwant %q", err.Error(), want)
	}
}

func TestPredicates(t *testing.T) {
	mk := func(status int, code string) error {
		return fmt.Errorf("wrapped: %w", &APIError{StatusCode: status, Errors: []ErrorItem{{Code: code}}})
	}
	cases := []struct {
		name string
		err  error
		pred func(error) bool
	}{
		{"not found", mk(404, CodeNotFound), IsNotFound},
		{"conflict", mk(409, CodeServerStateConflict), IsConflict},
		{"forbidden", mk(403, CodeAccessDenied), IsForbidden},
		{"unauthorized", mk(401, CodeAuthentication), IsUnauthorized},
		{"validation", mk(422, CodeValidation), IsValidation},
		{"rate limited", mk(429, CodeThrottle), IsRateLimited},
		{"too many databases", mk(400, CodeTooManyDatabases), IsTooManyDatabases},
		{"no host", mk(400, CodeNoSuitableHost), IsNoSuitableHost},
		{"duplicate", mk(400, CodeDuplicateName), IsNameTaken},
		{"unique rule", &APIError{StatusCode: 422, Errors: []ErrorItem{{Code: CodeValidation, SourceField: "database", Rule: "unique"}}}, IsNameTaken},
	}
	for _, tc := range cases {
		if !tc.pred(tc.err) {
			t.Errorf("%s: predicate false", tc.name)
		}
		if tc.pred(errors.New("plain")) || tc.pred(nil) {
			t.Errorf("%s: predicate true for a non-API error", tc.name)
		}
	}
	if IsNotFound(mk(409, "")) || IsTooManyDatabases(mk(400, CodeNoSuitableHost)) {
		t.Error("predicates confuse statuses or codes")
	}
}

func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const password = "Xy!abcdefghijklmnop@1234"
	var calls atomic.Int32
	c, _, logger := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
			return
		}
		writeJSON(w, 200, `{"object":"list","data":[{"object":"server_database","attributes":{"id":"abcdEFGH","name":"s1_db",
			"host":{"address":"h","port":3306},"relationships":{"password":{"object":"database_password","attributes":{"password":"`+password+`"}}}}}]}`)
	}, nil)
	dbs, err := c.ListDatabases(t.Context(), "1a7ce997", true)
	if err != nil {
		t.Fatal(err)
	}
	if dbs[0].Password != password {
		t.Fatalf("password not decoded")
	}
	logs := logger.text()
	if logs == "" {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for _, secret := range []string{testKey, password} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret reached the log:\n%s", logs)
		}
	}
}

func TestRedactRemovesTheKey(t *testing.T) {
	c, err := New(Config{URL: "https://panel.example.com", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.redact("dial failed for " + testKey + "!"); got != "dial failed for [redacted]!" {
		t.Fatalf("redact = %q", got)
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{in: "https://panel.example.com", want: "https://panel.example.com"},
		{in: "https://panel.example.com/", want: "https://panel.example.com"},
		{in: " http://127.0.0.1:8080/panel/ ", want: "http://127.0.0.1:8080/panel"},
		{in: "", err: "empty"},
		{in: "panel.example.com", err: `has no scheme: write it as https://panel.example.com`},
		{in: "panel.example.com:8080", err: `has no scheme: write it as https://panel.example.com:8080`},
		{in: "https://panel.example.com/api/client", want: "https://panel.example.com"},
		{in: "https://panel.example.com/api/client/", want: "https://panel.example.com"},
		{in: "https://example.com/panel/api/client", want: "https://example.com/panel"},
		{in: "https://example.com/server-panel", want: "https://example.com/server-panel"},
		{in: "https://example.com/server", want: "https://example.com/server"},
		{in: "https://panel.example.com/admin", err: "points at the panel's page /admin, not at the panel: give its base URL, " +
			"the address of its login page without a path, such as https://panel.example.com"},
		{in: "https://panel.example.com/admin/databases", err: "panel's page /admin/databases"},
		{in: "https://panel.example.com/api/application", err: "panel's API /api/application"},
		{in: "https://panel.example.com/api", err: "panel's API /api"},
		{in: "https://panel.example.com/account/api", err: "panel's page /account/api"},
		{in: "https://panel.example.com/server/1a7ce997", err: "panel's page /server/1a7ce997"},
		{in: "https://panel.example.com/auth/login", err: "panel's page /auth/login"},
		{in: "ftp://panel.example.com", err: "must start with https:// or http://"},
		{in: "https://", err: "has no host"},
		{in: "https://user:pw@panel.example.com", err: "must not contain a user name or password"}, //nolint:gosec // a test input, not a credential
		{in: "https://panel.example.com/?a=b", err: "must not have a query"},
		{in: "https://panel example.com", err: "not a valid URL"},
	}
	for _, tc := range cases {
		u, err := ParseURL(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseURL(%q) error = %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("ParseURL(%q) error = %v", tc.in, err)
		case tc.err == "" && u.String() != tc.want:
			t.Errorf("ParseURL(%q) = %q, want %q", tc.in, u, tc.want)
		}
	}
	for in, want := range map[string]bool{
		"https://panel.example.com/api/client": true, "https://panel.example.com/api/client/": true,
		"https://panel.example.com": false, "https://panel.example.com/api/clients": false,
	} {
		if got := HasAPIPath(in); got != want {
			t.Errorf("HasAPIPath(%q) = %v, want %v", in, got, want)
		}
	}
	if strings.Contains(fmt.Sprint(ParseURL("https://user:hunter2@panel.example.com")), "hunter2") {
		t.Error("the URL's password reached the error")
	}
}

func TestNewRequiresKey(t *testing.T) {
	if _, err := New(Config{URL: "https://panel.example.com"}); err == nil || !strings.Contains(err.Error(), "API key") {
		t.Fatalf("error = %v, want one about the API key", err)
	}
}

func TestPathsAreEscapedAndPrefixed(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.EscapedPath()+"?"+r.URL.RawQuery)
		mu.Unlock()
		if r.Method == http.MethodDelete {
			w.WriteHeader(204)
			return
		}
		writeJSON(w, 200, listBody)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL + "/panel/", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.ListDatabases(t.Context(), "1a7ce997", true)
	_ = c.DeleteDatabase(t.Context(), "1a7ce997", "a/b")
	want := []string{
		"GET /panel/api/client/servers/1a7ce997/databases?include=password",
		"DELETE /panel/api/client/servers/1a7ce997/databases/a%2Fb?",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Fatalf("paths\n%s\nwant\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

func TestRateLimitsAreNotFailures(t *testing.T) {
	var calls atomic.Int32
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 5 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
			return
		}
		writeJSON(w, 200, listBody)
	}, func(cfg *Config) { cfg.MaxRetries = -1 })
	// With failure retries off, five 429s are still waited out as the panel asks.
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 6 || len(rec.waits) != 5 {
		t.Fatalf("requests = %d, waits = %v", calls.Load(), rec.waits)
	}
}

func TestRateLimitRetriesAreBounded(t *testing.T) {
	var calls atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
	}, nil)
	_, err := c.ListDatabases(t.Context(), "1a7ce997", false)
	if !IsRateLimited(err) || !strings.Contains(err.Error(), "the panel answered 429 11 times") {
		t.Fatalf("error = %v", err)
	}
	if calls.Load() != maxThrottledRetries+1 {
		t.Fatalf("requests = %d, want %d", calls.Load(), maxThrottledRetries+1)
	}
}

// bodyReadSignal is a transport whose answers close reading when their body is first read.
type bodyReadSignal struct {
	reading chan struct{}
	once    sync.Once
}

func (b *bodyReadSignal) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &signalingBody{ReadCloser: resp.Body, first: func() { b.once.Do(func() { close(b.reading) }) }}
	}
	return resp, err
}

type signalingBody struct {
	io.ReadCloser
	first func()
}

func (s *signalingBody) Read(p []byte) (int, error) {
	s.first()
	return s.ReadCloser.Read(p)
}

// The request timeout ending an attempt while the answer's body is read is a timeout too,
// so the advice names request_timeout.
func TestRequestTimeoutDuringTheBody(t *testing.T) {
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "500")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"object":"list",`))
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}, func(cfg *Config) { cfg.MaxRetries = -1 })
	tr := &bodyReadSignal{reading: make(chan struct{})}
	c.http.Transport = tr
	fire := make(chan struct{})
	timeoutOn(c, fire)
	go func() {
		<-tr.reading
		fire <- struct{}{}
	}()
	_, err := c.ListDatabases(t.Context(), "1a7ce997", false)
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || te.StatusCode != 200 ||
		!strings.Contains(err.Error(), "the panel's answer (HTTP 200) from ") ||
		!strings.Contains(err.Error(), "was cut off: the request timeout of 30s ran out") {
		t.Fatalf("error = %v, want the request timeout during the body", err)
	}
}
