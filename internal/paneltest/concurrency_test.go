package paneltest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentCreates hits creates in parallel, with other traffic and test-side calls
// mixed in; run it with -race.
func TestConcurrentCreates(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl, CreateRateLimit: -1, RateLimit: -1})
			f.p.SetDatabaseLimit(f.srv.Identifier, Limit(20))
			other := f.p.AddServer(Server{})
			const workers = 40
			statuses := make([]int, workers)
			var wg sync.WaitGroup
			for i := range workers {
				wg.Go(func() {
					r, err := f.owner.send(f.owner.request(t.Context(), "POST", f.dbPath(),
						map[string]string{"database": fmt.Sprintf("db%02d", i), "remote": "%"}))
					if err != nil {
						t.Error(err)
						return
					}
					statuses[i] = r.status
				})
				wg.Go(func() {
					if r, err := f.owner.send(f.owner.request(t.Context(), "GET", f.dbPath()+"?include=password", nil)); err != nil || r.status != 200 {
						t.Errorf("list during creates: %v %v", r, err)
					}
				})
				wg.Go(func() {
					f.p.AddDatabase(other.Identifier, fmt.Sprintf("seed%02d", i), "%")
					f.p.Requests(RouteCreateDatabase)
					f.p.Databases(f.srv.Identifier)
					f.p.InjectFault(Fault{Route: RouteOther, Status: 500})
				})
			}
			wg.Wait()
			counts := map[int]int{}
			for _, s := range statuses {
				counts[s]++
			}
			if counts[http.StatusOK] != 20 || counts[http.StatusBadRequest] != 20 {
				t.Fatalf("statuses = %v, want 20 created and 20 over the limit", counts)
			}
			ids, names := map[string]bool{}, map[string]bool{}
			for _, d := range f.p.Databases(f.srv.Identifier) {
				ids[d.ID], names[d.Name] = true, true
			}
			if len(ids) != 20 || len(names) != 20 || len(f.p.Databases(other.Identifier)) != workers {
				t.Fatalf("%d ids, %d names, %d seeded", len(ids), len(names), len(f.p.Databases(other.Identifier)))
			}
			if n := f.p.Requests(RouteCreateDatabase); n != workers {
				t.Fatalf("Requests(create) = %d, want %d", n, workers)
			}
		})
	}
}

func TestConcurrentDuplicateNames(t *testing.T) {
	f := setup(t, Options{})
	const workers = 20
	statuses := make([]int, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			r, err := f.owner.send(f.owner.request(t.Context(), "POST", f.dbPath(), map[string]string{"database": "same", "remote": "%"}))
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.status
		})
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[http.StatusOK] != 1 || counts[http.StatusBadRequest] != workers-1 {
		t.Fatalf("statuses = %v, want one success and the rest 400 DuplicateDatabaseNameException", counts)
	}
}
