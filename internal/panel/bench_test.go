package panel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// listJSON renders a list answer of n databases with passwords, as the panel sends it.
func listJSON(n int) []byte {
	type attrs struct {
		ID              string         `json:"id"`
		Host            map[string]any `json:"host"`
		Name            string         `json:"name"`
		Username        string         `json:"username"`
		ConnectionsFrom string         `json:"connections_from"`
		MaxConnections  int            `json:"max_connections"`
		Relationships   map[string]any `json:"relationships"`
	}
	type item struct {
		Object     string `json:"object"`
		Attributes attrs  `json:"attributes"`
	}
	items := make([]item, n)
	for i := range items {
		items[i] = item{Object: "server_database", Attributes: attrs{
			ID:              fmt.Sprintf("bEY4%04d", i),
			Host:            map[string]any{"address": "10.0.0.12", "port": 3306},
			Name:            fmt.Sprintf("s12_database_%04d", i),
			Username:        fmt.Sprintf("u12_%010d", i),
			ConnectionsFrom: "%",
			Relationships: map[string]any{"password": map[string]any{
				"object": "database_password", "attributes": map[string]any{"password": "Ab1!cd2@ef3=gh4.ij5+kl6^"}, //nolint:gosec // a made-up password, for its length
			}},
		}}
	}
	b, err := json.Marshal(map[string]any{"object": "list", "data": items})
	if err != nil {
		panic(err)
	}
	return b
}

// decodeList is the list decoding of fetchDatabases without the request around it.
func decodeList(raw []byte) ([]Database, error) {
	var list databaseList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(list.Data))
	for i := range list.Data {
		out = append(out, list.Data[i].Attributes.toDatabase())
	}
	return out, nil
}

func BenchmarkListDecoding(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		raw := listJSON(n)
		b.Run(fmt.Sprintf("databases=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if dbs, err := decodeList(raw); err != nil || len(dbs) != n {
					b.Fatalf("decoded %d databases: %v", len(dbs), err)
				}
			}
		})
	}
}

// BenchmarkRequestPath is one list call through the whole request path (pacing, headers,
// HTTP over loopback, error envelope check, decoding), sharing off so each is a request.
func BenchmarkRequestPath(b *testing.B) {
	for _, n := range []int{10, 1000} {
		raw := listJSON(n)
		b.Run(fmt.Sprintf("databases=%d", n), func(b *testing.B) {
			c, _, _ := handlerClient(b, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-RateLimit-Limit", "1000000000")
				w.Header().Set("X-RateLimit-Remaining", "999999999")
				_, _ = w.Write(raw)
			}, nil)
			DisableSharing(c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.ListDatabases(b.Context(), "1a7ce997", true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSharedRead is a read served from a held answer: the copy each caller gets.
func BenchmarkSharedRead(b *testing.B) {
	for _, n := range []int{10, 1000} {
		raw := listJSON(n)
		b.Run(fmt.Sprintf("databases=%d", n), func(b *testing.B) {
			c, _, _ := handlerClient(b, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(raw)
			}, nil)
			if _, err := c.ListDatabases(b.Context(), "1a7ce997", true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.ListDatabases(b.Context(), "1a7ce997", true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// countingWriter counts the bytes of the answers it writes.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(b []byte) (int, error) {
	w.n.Add(int64(len(b)))
	return w.ResponseWriter.Write(b)
}

// A root admin's client key creating on a chosen host goes through the application API and then
// lists the server through the client API to learn the database's client API id (clientView on
// Pterodactyl): two requests per database, and answers that grow with the databases already on
// the server, so the bytes of N creates grow with N². The server's database limit bounds N.
// Reported per created database: requests, and bytes of the panel's answers.
func BenchmarkRootAdminCreatesOnAHost(b *testing.B) {
	for _, n := range []int{10, 50} {
		b.Run(fmt.Sprintf("databases=%d", n), func(b *testing.B) {
			var requests, bytes int64
			for b.Loop() {
				p := paneltest.New(paneltest.Options{CreateRateLimit: -1, DatabaseHosts: 2})
				srv := p.AddServer(paneltest.Server{InternalID: 7})
				var sent atomic.Int64
				hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					p.Handler().ServeHTTP(countingWriter{w, &sent}, r)
				}))
				c, err := New(Config{URL: hs.URL, APIKey: p.AddKey(paneltest.Key{RootAdmin: true})})
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if _, err := c.CreateDatabase(b.Context(), srv.Identifier, CreateDatabaseInput{Name: fmt.Sprintf("db%03d", i), Remote: "%", HostID: "2"}); err != nil {
						b.Fatal(err)
					}
				}
				hs.Close()
				requests += int64(p.TotalRequests())
				bytes += sent.Load()
			}
			b.ReportMetric(float64(requests)/float64(b.N*n), "requests/database")
			b.ReportMetric(float64(bytes)/float64(b.N*n), "answer-bytes/database")
		})
	}
}
