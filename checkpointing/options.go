package checkpointing

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// OptionsConfig configures AnalyzeOptions. The zero value means the
// defaults.
type OptionsConfig struct {
	// RunnerOptions are option names to count as runner options besides
	// Beam's own (IsBeamOption) and those whose display data names an
	// org.apache.beam interface. Default: none.
	RunnerOptions []string
	// Copies is how many copies of the options one checkpoint holds: coder
	// serializers per pipeline times pipelines per job. Default: 1. Zero
	// means default.
	Copies int
}

// Validate reports a negative Copies as an error wrapping ErrInvalidConfig.
func (c OptionsConfig) Validate() error {
	if c.Copies < 0 {
		return invalidConfig("OptionsConfig.Copies must not be negative")
	}
	return nil
}

// OptionEntry is one option in a serialized PipelineOptions document.
type OptionEntry struct {
	// Key is the option name.
	Key string
	// Bytes is what the option takes in the compact document: its entry in
	// "options" and its "display_data" items, separators included.
	Bytes int
	// Runner is false for application values.
	Runner bool
	// Namespace is the interface that declares it, from the display data;
	// "" when the document has none.
	Namespace string
}

// OptionsReport is the analysis of a serialized PipelineOptions document.
// Sizes are of the compact JSON, as Beam writes it.
type OptionsReport struct {
	// TotalBytes is the size of the document.
	TotalBytes int
	// Entries are the options, largest first.
	Entries []OptionEntry
	// Application lists the keys that are not runner options, sorted.
	Application []string
	// ApplicationBytes is what those keys take: the size of the document
	// written with them minus its size written without them (Trimmed),
	// both written alike (at most TotalBytes), so it is never negative and
	// 0 when Application is empty. It equals TotalBytes - TrimmedBytes
	// unless the document is written differently from Trimmed (escapes,
	// duplicate keys).
	ApplicationBytes int
	// TrimmedBytes is the size of Trimmed.
	TrimmedBytes int
	// Trimmed is the document without the application keys (compact JSON).
	Trimmed []byte
	// Copies is the copies per checkpoint used for SavedPerCheckpoint.
	Copies int
	// SavedPerCheckpoint is ApplicationBytes times Copies: what trimming
	// saves in each checkpoint, never negative (it saturates at
	// math.MaxInt64), 0 when Application is empty.
	SavedPerCheckpoint int64
}

// Largest returns at most n entries, largest first.
func (r OptionsReport) Largest(n int) []OptionEntry {
	return r.Entries[:min(max(n, 0), len(r.Entries))]
}

// AnalyzeOptions analyses PipelineOptions serialized as Beam does,
// {"options": {...}, "display_data": [{"namespace", "key", ...}]}, or a flat
// {"name": value} object when there is no "options" object. A key is a
// runner option when it is one of Beam's (IsBeamOption), listed in
// cfg.RunnerOptions, or declared by an org.apache.beam interface in the
// display data; the rest are application values, which Beam's coder
// serializer copies into checkpoint metadata (BEAM-8577). A document that
// is not a JSON object gives an error wrapping ErrInvalidInput; an invalid
// cfg one wrapping ErrInvalidConfig.
func AnalyzeOptions(doc []byte, cfg OptionsConfig) (OptionsReport, error) {
	if err := cfg.Validate(); err != nil {
		return OptionsReport{}, err
	}
	if cfg.Copies == 0 {
		cfg.Copies = 1
	}
	d, err := parseOptionsDoc(doc)
	if err != nil {
		return OptionsReport{}, err
	}
	runner := func(key, ns string) bool {
		return IsBeamOption(key) || slices.Contains(cfg.RunnerOptions, key) || strings.HasPrefix(ns, "org.apache.beam.")
	}
	entries := d.entries(runner)
	r := OptionsReport{TotalBytes: d.size, Entries: entries, Copies: cfg.Copies}
	drop := map[string]bool{}
	for _, e := range entries {
		if !e.Runner {
			drop[e.Key] = true
			r.Application = append(r.Application, e.Key)
		}
	}
	slices.Sort(r.Application)
	full, err := d.without(nil)
	if err != nil {
		return OptionsReport{}, err
	}
	if r.Trimmed, err = d.without(drop); err != nil {
		return OptionsReport{}, err
	}
	r.TrimmedBytes = len(r.Trimmed)
	// Dropping entries only shrinks a document; the document's own
	// encoding may be the more compact one.
	r.ApplicationBytes = min(len(full)-r.TrimmedBytes, r.TotalBytes)
	r.SavedPerCheckpoint = saturatingMul(int64(r.ApplicationBytes), int64(cfg.Copies))
	return r, nil
}

// optionsDoc is a parsed options document.
type optionsDoc struct {
	size    int
	top     map[string]json.RawMessage // the whole object
	options map[string]json.RawMessage // top["options"], or top when flat
	display []displayItem
	flat    bool
}

type displayItem struct {
	raw       json.RawMessage
	Key       string `json:"key"`
	Namespace string `json:"namespace"`
}

func parseOptionsDoc(doc []byte) (*optionsDoc, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		return nil, invalidInput("options: %v", err)
	}
	d := &optionsDoc{size: compact.Len()}
	if err := json.Unmarshal(doc, &d.top); err != nil || d.top == nil {
		return nil, invalidInput("options: not a JSON object")
	}
	if raw, ok := d.top["options"]; !ok || json.Unmarshal(raw, &d.options) != nil || d.options == nil {
		d.options, d.flat = d.top, true
		return d, nil
	}
	var items []json.RawMessage
	if raw, ok := d.top["display_data"]; ok {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, invalidInput("options: display_data: %v", err)
		}
	}
	for _, raw := range items {
		it := displayItem{raw: raw}
		if err := json.Unmarshal(raw, &it); err != nil {
			return nil, invalidInput("options: display_data item: %v", err)
		}
		d.display = append(d.display, it)
	}
	return d, nil
}

// entries sizes each option: its "key":value entry plus its display items.
func (d *optionsDoc) entries(runner func(key, ns string) bool) []OptionEntry {
	byKey := map[string]*OptionEntry{}
	get := func(k string) *OptionEntry {
		if e, ok := byKey[k]; ok {
			return e
		}
		e := &OptionEntry{Key: k}
		byKey[k] = e
		return e
	}
	for k, v := range d.options {
		get(k).Bytes += len(mustMarshal(k)) + 1 + len(mustCompact(v)) + 1
	}
	for _, it := range d.display {
		e := get(it.Key)
		e.Bytes += len(mustCompact(it.raw)) + 1
		if e.Namespace == "" {
			e.Namespace = it.Namespace
		}
	}
	out := make([]OptionEntry, 0, len(byKey))
	for _, e := range byKey {
		e.Runner = runner(e.Key, e.Namespace)
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b OptionEntry) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}

// without re-serializes the document without the dropped keys.
func (d *optionsDoc) without(drop map[string]bool) ([]byte, error) {
	opts := map[string]json.RawMessage{}
	for k, v := range d.options {
		if !drop[k] {
			opts[k] = v
		}
	}
	if d.flat {
		return marshalCompact(opts)
	}
	top := map[string]any{}
	for k, v := range d.top {
		top[k] = v
	}
	top["options"] = opts
	if _, ok := d.top["display_data"]; ok {
		items := []json.RawMessage{}
		for _, it := range d.display {
			if !drop[it.Key] {
				items = append(items, it.raw)
			}
		}
		top["display_data"] = items
	}
	return marshalCompact(top)
}

// marshalCompact writes compact JSON without HTML escaping, as Jackson does.
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, invalidInput("options: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func mustMarshal(s string) []byte {
	b, _ := marshalCompact(s) // a string always marshals
	return b
}

func mustCompact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
