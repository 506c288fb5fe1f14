package flinkio

import (
	"log/slog"
	"reflect"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// Every documented default of the zero ObserverConfig (Client and Job are
// required), and a row for every field.
func TestObserverConfigDefaults(t *testing.T) {
	o, err := NewObserver(ObserverConfig{Client: &flinkapi.Client{}, Job: flinkapi.JobID("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]struct{ got, want any }{
		"Client":      {o.cfg.Client != nil, true},
		"Job":         {o.cfg.Job, flinkapi.JobID("0123456789abcdef0123456789abcdef")},
		"Backlog":     {o.cfg.Backlog == nil, true}, // the sources' pendingRecords alone
		"Topics":      {len(o.cfg.Topics), 0},       // entries keyed by the vertex
		"Concurrency": {o.cfg.Concurrency, 8},
		"Logger":      {o.cfg.Logger.Handler(), slog.Handler(slog.DiscardHandler)},
	}
	typ := reflect.TypeOf(ObserverConfig{})
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		row, ok := table[name]
		switch {
		case !ok:
			t.Errorf("ObserverConfig.%s has no row in the defaults table", name)
		case !reflect.DeepEqual(row.got, row.want):
			t.Errorf("ObserverConfig.%s: the zero value means %v, its doc says %v", name, row.got, row.want)
		}
	}
}
