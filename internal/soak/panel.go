//go:build unix

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// recordedPanel serves a paneltest panel on loopback, as cmd/localpanel does, and records
// every request it answers: what reached the panel, and when, is the other half of any stall.
type recordedPanel struct {
	*paneltest.Panel
	flavor string
	url    string
	key    string
	srv    *http.Server

	mu   sync.Mutex
	reqs []request
}

// request is one answered request, as the panel saw it.
type request struct {
	at         time.Time // when it arrived
	took       time.Duration
	method     string
	path       string
	status     int
	retryAfter string
}

func (r request) String() string {
	s := fmt.Sprintf("%s %-6s %-60s %d %5dms", r.at.Format("15:04:05.000"), r.method, r.path, r.status, r.took.Milliseconds())
	if r.retryAfter != "" {
		s += " Retry-After: " + r.retryAfter
	}
	return s
}

func startPanel(flavor string) (*recordedPanel, error) {
	lim := limitsOf[flavor]
	create := lim.creates
	if create == 0 {
		create = -1 // unlimited, as Pterodactyl has no create limit
	}
	rp := &recordedPanel{
		Panel:  paneltest.New(paneltest.Options{Flavor: paneltest.Flavor(flavor), RateLimit: lim.perMinute, CreateRateLimit: create}),
		flavor: flavor,
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rp.url = "http://" + ln.Addr().String()
	inner := rp.Handler()
	rp.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		at := time.Now()
		inner.ServeHTTP(sw, r)
		path := r.URL.Path
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		rp.mu.Lock()
		rp.reqs = append(rp.reqs, request{
			at: at, took: time.Since(at), method: r.Method, path: strings.TrimPrefix(path, "/api/client"),
			status: sw.status, retryAfter: sw.Header().Get("Retry-After"),
		})
		rp.mu.Unlock()
	})}
	go func() { _ = rp.srv.Serve(ln) }()
	return rp, nil
}

// mark returns the position from which since counts.
func (rp *recordedPanel) mark() int {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return len(rp.reqs)
}

// since returns a copy of the requests answered from mark on.
func (rp *recordedPanel) since(mark int) []request {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]request(nil), rp.reqs[min(mark, len(rp.reqs)):]...)
}

func (rp *recordedPanel) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = rp.srv.Shutdown(ctx)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// counts returns how many requests there were, and how many of them were refused with 429.
func counts(reqs []request) (total, throttled int) {
	for _, r := range reqs {
		if r.status == http.StatusTooManyRequests {
			throttled++
		}
	}
	return len(reqs), throttled
}
