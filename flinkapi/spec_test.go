package flinkapi_test

// OpenAPI validation harness for the client's tests: every HTTP exchange that
// goes through specValidator.Transport is checked against Flink's vendored
// REST specs (testdata/spec), after the wire deviations below are patched in.
// Its own tests are in spec_self_test.go.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specFiles are the vendored specs. The first one names the operations that
// Covered reports.
var specFiles = []struct{ name, path string }{
	{"flink-2.3-SNAPSHOT", "testdata/spec/rest_v1_dispatcher.yml"},
	{"flink-1.20-SNAPSHOT", "testdata/spec/rest_v1_dispatcher-1.20-SNAPSHOT.yml"},
}

// specPatch is one change to a loaded spec. A patch that finds nothing to
// change (the spec no longer looks as the entry expects) returns an error,
// so a stale entry is noticed when the specs are re-vendored.
type specPatch struct {
	name, reason string
	patch        func(*openapi3.T) error
}

// wireDeviations are the places where Flink's wire format differs from its
// own (experimental) spec. Every entry applies to both vendored specs.
var wireDeviations = []specPatch{
	{
		name: "metric-collection-array",
		reason: "MetricCollectionResponseBody has a custom serializer that writes a bare array of Metric " +
			"{id, value} (value absent when no get= is given), not {\"metrics\": [...]}",
		patch: patchMetricCollection,
	},
	{
		name: "aggregated-metrics-array",
		reason: "AggregatedMetricsResponseBody's serializer writes a bare array of {id, min, max, avg, " +
			"sum, skew}, each aggregate optional; Jackson writes non-finite doubles as " +
			"\"NaN\"/\"Infinity\"/\"-Infinity\"; the spec says an empty object",
		patch: patchAggregatedMetrics,
	},
	{
		name: "agg-comma-list",
		reason: "agg is a comma-separated list of aggregation modes; Flink writes them lower-case " +
			"(MetricsAggregationParameter.convertValueToString); the spec declares one upper-case " +
			"enum value",
		patch: patchAggParameter,
	},
	{
		name: "termination-mode-cancel",
		reason: "PATCH /jobs/{jobid}?mode=: Flink documents lower-case \"cancel\" as the only supported " +
			"value; the spec enum is upper-case CANCEL/STOP",
		patch: patchTerminationMode,
	},
	{
		name: "hex-id-strings",
		reason: "JobDetailsVertexInfo.slotSharingGroupId (SlotSharingGroupIDSerializer) and, where " +
			"declared, JobDetailsInfo.application-id (ApplicationIDSerializer) are written as 32-hex " +
			"strings; the spec says an object {bytes, lowerPart, upperPart}",
		patch: patchHexIDs,
	},
	{
		name: "busy-time-nan",
		reason: "IOMetricsInfo.accumulated-busy-time is a double that is NaN for a source vertex; Jackson " +
			"writes it as the string \"NaN\" (Flink's own tests expect " +
			"\"accumulated-busy-time\":\"NaN\")",
		patch: patchBusyTime,
	},
	{
		name: "percentiles-nan",
		reason: "StatsSummaryDto p50..p999 are doubles, NaN while no checkpoint completed; Jackson writes " +
			"non-finite doubles as strings",
		patch: patchPercentiles,
	},
	{
		name: "processing-mode-lower-case",
		reason: "CheckpointConfigInfo.mode is written by ProcessingModeSerializer as name().toLowerCase() " +
			"(exactly_once, at_least_once); the spec enum is upper-case",
		patch: patchProcessingMode,
	},
	{
		name:   "serialized-throwable-fields",
		reason: "SerializedThrowableSerializer writes class and stack-trace besides serialized-throwable",
		patch:  patchSerializedThrowable,
	},
	{
		name: "async-operation-anyof",
		reason: "AsynchronousOperationResult.operation is a oneOf of three objects without required " +
			"properties, so {location} matches all three and oneOf always fails: anyOf says what is " +
			"meant; it is null while IN_PROGRESS (the field is @Nullable and the class has no " +
			"NON_NULL inclusion)",
		patch: patchAsyncOperation,
	},
	{
		name: "error-responses",
		reason: "the spec documents no error answers; Flink answers 4xx/5xx with ErrorResponseBody " +
			"{\"errors\": [string, ...]}",
		patch: patchErrorResponses,
	},
	{
		name: "checkpoint-nulls",
		reason: "@Nullable fields of LatestCheckpoints (completed, savepoint, failed, restored) and of " +
			"the checkpoint statistics (savepointFormat, external_path, failure_message) are written " +
			"as null: Flink's REST ObjectMapper does not omit nulls and these classes, unlike " +
			"SavepointInfo, declare no NON_NULL inclusion",
		patch: patchCheckpointNulls,
	},
	{
		name: "slot-sharing-group-name",
		reason: "Flink's JobDetailsInfo.JobVertexDetailsInfo (apache/flink master, newer than both " +
			"snapshots) writes slotSharingGroupName next to slotSharingGroupId; neither vendored spec " +
			"declares it",
		patch: patchSlotSharingGroupName,
	},
}

// specAdaptation is a tooling step, not a wire deviation: it makes the spec
// usable by kin-openapi and strict enough to catch a misnamed field. peers
// are the other loaded specs. Steps run in order, each over every spec.
type specAdaptation struct {
	name, reason string
	apply        func(doc *openapi3.T, peers []*openapi3.T) error
}

var specAdaptations = []specAdaptation{
	{
		name: "flatten-allOf",
		reason: "additionalProperties: false on an allOf part rejects the other parts' fields, so allOf " +
			"compositions of object schemas become one object schema (e.g. " +
			"CompletedCheckpointStatistics = CheckpointStatistics + {external_path, discarded})",
		apply: flattenAllOfs,
	},
	{
		name: "discriminator-anyOf",
		reason: "kin-openapi applies a discriminator only under oneOf/anyOf: each base schema with a " +
			"className discriminator becomes an anyOf of its flattened concrete schemas, each pinning " +
			"className to its mapping key (CheckpointingStatistics.history items, the checkpoint " +
			"details answer, subtask statistics)",
		apply: resolveDiscriminators,
	},
	{
		name: "peer-version-fields",
		reason: "one exchange is checked against both Flink versions: a field that the same schema " +
			"declares in the other spec is accepted by name (that spec checks its type), so only a " +
			"field unknown to both versions fails",
		apply: acceptPeerFields,
	},
	{
		name: "closed-objects",
		reason: "strictness: every object schema that declares properties and says nothing about " +
			"additionalProperties gets additionalProperties: false, so an unknown or misnamed field " +
			"fails",
		apply: closeObjects,
	},
}

const schemaPrefix = "#/components/schemas/"

// aggregations are Flink's aggregation modes, as the agg parameter and the
// aggregated metrics answer spell them.
var aggregations = []string{"min", "max", "avg", "sum", "skew"}

// ---- wire deviation patches ----

func patchMetricCollection(doc *openapi3.T) error {
	s, err := component(doc, "MetricCollectionResponseBody")
	if err != nil {
		return err
	}
	if s.Properties["metrics"] == nil {
		return errors.New("MetricCollectionResponseBody no longer wraps a metrics array")
	}
	metric, err := component(doc, "Metric")
	if err != nil {
		return err
	}
	*s = *arrayOf(openapi3.NewSchemaRef(schemaPrefix+"Metric", metric))
	return nil
}

func patchAggregatedMetrics(doc *openapi3.T) error {
	s, err := component(doc, "AggregatedMetricsResponseBody")
	if err != nil {
		return err
	}
	if !s.Type.Is("object") || len(s.Properties) != 0 {
		return errors.New("AggregatedMetricsResponseBody is no longer an empty object")
	}
	item := typed("object")
	item.Required = []string{"id"}
	item.Properties = openapi3.Schemas{"id": inline(typed("string"))}
	for _, agg := range aggregations {
		item.Properties[agg] = nonFiniteDouble()
	}
	*s = *arrayOf(inline(item))
	return nil
}

func patchAggParameter(doc *openapi3.T) error {
	mode := "(" + strings.Join(aggregations, "|") + ")"
	found := 0
	err := forEachOperation(doc, func(_, _ string, op *openapi3.Operation) error {
		p := op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "agg")
		if p == nil {
			return nil
		}
		if p.Schema == nil || p.Schema.Ref != schemaPrefix+"AggregationMode" {
			return fmt.Errorf("%s: agg is no longer an AggregationMode", op.OperationID)
		}
		s := typed("string")
		s.Pattern = "^" + mode + "(," + mode + ")*$"
		p.Schema = inline(s)
		found++
		return nil
	})
	if err == nil && found == 0 {
		err = errors.New("no operation has an agg parameter")
	}
	return err
}

func patchTerminationMode(doc *openapi3.T) error {
	item := doc.Paths.Value("/jobs/{jobid}")
	if item == nil || item.Patch == nil {
		return errors.New("no PATCH /jobs/{jobid}")
	}
	p := item.Patch.Parameters.GetByInAndName(openapi3.ParameterInQuery, "mode")
	if p == nil || p.Schema == nil || p.Schema.Ref != schemaPrefix+"TerminationMode" {
		return errors.New("PATCH /jobs/{jobid} has no TerminationMode mode parameter")
	}
	p.Schema = stringEnum("cancel")
	return nil
}

func patchHexIDs(doc *openapi3.T) error {
	err := editProperty(doc, "JobDetailsVertexInfo", "slotSharingGroupId", replaceRef("SlotSharingGroupId", hexID()))
	if err != nil {
		return err
	}
	if _, err := propertyOf(doc, "JobDetailsInfo", "application-id"); err != nil {
		return nil // Flink 1.20 has no applications.
	}
	return editProperty(doc, "JobDetailsInfo", "application-id", replaceRef("ApplicationID", hexID()))
}

func patchBusyTime(doc *openapi3.T) error {
	return editProperty(doc, "IOMetricsInfo", "accumulated-busy-time", replaceType("number", nonFiniteDouble()))
}

func patchPercentiles(doc *openapi3.T) error {
	for _, p := range []string{"p50", "p90", "p95", "p99", "p999"} {
		if err := editProperty(doc, "StatsSummaryDto", p, replaceType("number", nonFiniteDouble())); err != nil {
			return err
		}
	}
	return nil
}

func patchProcessingMode(doc *openapi3.T) error {
	lower := stringEnum("exactly_once", "at_least_once")
	return editProperty(doc, "CheckpointConfigInfo", "mode", replaceRef("ProcessingMode", lower))
}

func patchSerializedThrowable(doc *openapi3.T) error {
	s, err := component(doc, "SerializedThrowable")
	if err != nil {
		return err
	}
	if s.Properties["serialized-throwable"] == nil || s.Properties["class"] != nil || s.Properties["stack-trace"] != nil {
		return errors.New("SerializedThrowable no longer declares serialized-throwable alone")
	}
	s.Properties["class"] = inline(typed("string"))
	s.Properties["stack-trace"] = inline(typed("string"))
	return nil
}

func patchAsyncOperation(doc *openapi3.T) error {
	return editProperty(doc, "AsynchronousOperationResult", "operation", func(old *openapi3.SchemaRef) (*openapi3.SchemaRef, error) {
		if old.Ref != "" || len(old.Value.OneOf) == 0 {
			return nil, errors.New("is no longer an inline oneOf")
		}
		return inline(&openapi3.Schema{AnyOf: old.Value.OneOf, Nullable: true}), nil
	})
}

func patchErrorResponses(doc *openapi3.T) error {
	if doc.Components.Schemas["ErrorResponseBody"] != nil {
		return errors.New("the spec now declares ErrorResponseBody")
	}
	body := typed("object")
	body.Required = []string{"errors"}
	body.Properties = openapi3.Schemas{"errors": inline(arrayOf(inline(typed("string"))))}
	doc.Components.Schemas["ErrorResponseBody"] = inline(body)
	ref := openapi3.NewSchemaRef(schemaPrefix+"ErrorResponseBody", body)
	return forEachOperation(doc, func(path, method string, op *openapi3.Operation) error {
		for _, code := range []string{"4XX", "5XX"} {
			if op.Responses.Value(code) != nil || op.Responses.Default() != nil {
				return fmt.Errorf("%s %s now documents error answers", method, path)
			}
			resp := openapi3.NewResponse().WithDescription("Flink ErrorResponseBody").WithJSONSchemaRef(ref)
			op.Responses.Set(code, &openapi3.ResponseRef{Value: resp})
		}
		return nil
	})
}

func patchCheckpointNulls(doc *openapi3.T) error {
	fields := [][2]string{
		{"LatestCheckpoints", "completed"}, {"LatestCheckpoints", "savepoint"},
		{"LatestCheckpoints", "failed"}, {"LatestCheckpoints", "restored"},
		{"CheckpointStatistics", "savepointFormat"},
		{"CompletedCheckpointStatistics", "external_path"},
		{"FailedCheckpointStatistics", "failure_message"},
		{"RestoredCheckpointStatistics", "external_path"},
	}
	for _, f := range fields {
		if err := editProperty(doc, f[0], f[1], makeNullable); err != nil {
			return err
		}
	}
	return nil
}

func patchSlotSharingGroupName(doc *openapi3.T) error {
	props, err := propertyOf(doc, "JobDetailsVertexInfo", "slotSharingGroupId")
	if err != nil {
		return err
	}
	if props["slotSharingGroupName"] != nil {
		return errors.New("the spec now declares JobDetailsVertexInfo.slotSharingGroupName")
	}
	props["slotSharingGroupName"] = inline(typed("string"))
	return nil
}

// ---- tooling adaptations ----

func flattenAllOfs(doc *openapi3.T, _ []*openapi3.T) error {
	return walkSchemas(doc, flattenAllOf)
}

// flattenAllOf merges the properties and required lists of an allOf of
// object schemas into s itself.
func flattenAllOf(s *openapi3.Schema) error {
	if len(s.AllOf) == 0 {
		return nil
	}
	props := maps.Clone(s.Properties)
	if props == nil {
		props = openapi3.Schemas{}
	}
	required := slices.Clone(s.Required)
	for _, part := range s.AllOf {
		p := part.Value
		if err := flattenAllOf(p); err != nil {
			return err
		}
		if !p.Type.Is("object") || len(p.AnyOf)+len(p.OneOf) != 0 || p.Not != nil {
			return fmt.Errorf("allOf part %q is not a plain object schema", part.Ref)
		}
		maps.Copy(props, p.Properties)
		required = append(required, p.Required...)
	}
	slices.Sort(required)
	s.AllOf, s.Type = nil, &openapi3.Types{"object"}
	s.Properties, s.Required = props, slices.Compact(required)
	return nil
}

// resolveDiscriminators turns each base schema with a discriminator mapping
// into an anyOf of its concrete schemas.
func resolveDiscriminators(doc *openapi3.T, _ []*openapi3.T) error {
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		base := doc.Components.Schemas[name].Value
		if base.Discriminator == nil || len(base.Discriminator.Mapping) == 0 {
			continue
		}
		d := base.Discriminator
		var concrete openapi3.SchemaRefs
		for _, key := range slices.Sorted(maps.Keys(d.Mapping)) {
			ref := d.Mapping[key].Ref
			c, err := component(doc, strings.TrimPrefix(ref, schemaPrefix))
			if err != nil || c == base || len(c.AllOf) != 0 || c.Properties[d.PropertyName] == nil {
				return fmt.Errorf("%s: mapping %q → %s is not a flattened concrete schema", name, key, ref)
			}
			c.Properties = maps.Clone(c.Properties)
			c.Properties[d.PropertyName] = stringEnum(key)
			concrete = append(concrete, openapi3.NewSchemaRef(ref, c))
		}
		*base = openapi3.Schema{AnyOf: concrete, Discriminator: d}
	}
	return nil
}

func acceptPeerFields(doc *openapi3.T, peers []*openapi3.T) error {
	for name, ref := range doc.Components.Schemas {
		own := ref.Value.Properties
		for _, peer := range peers {
			other := peer.Components.Schemas[name]
			if len(own) == 0 || other == nil {
				continue
			}
			for field := range other.Value.Properties {
				if own[field] == nil {
					own[field] = inline(&openapi3.Schema{})
				}
			}
		}
	}
	return nil
}

func closeObjects(doc *openapi3.T, _ []*openapi3.T) error {
	closed := false
	return walkSchemas(doc, func(s *openapi3.Schema) error {
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = &closed
		}
		return nil
	})
}

// ---- schema helpers ----

func component(doc *openapi3.T, name string) (*openapi3.Schema, error) {
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("no schema %s", name)
	}
	return ref.Value, nil
}

// propertyOf returns the properties map, of the named schema or of one of its
// inline allOf parts, that declares prop.
func propertyOf(doc *openapi3.T, name, prop string) (openapi3.Schemas, error) {
	s, err := component(doc, name)
	if err != nil {
		return nil, err
	}
	if s.Properties[prop] != nil {
		return s.Properties, nil
	}
	for _, part := range s.AllOf {
		if part.Ref == "" && part.Value.Properties[prop] != nil {
			return part.Value.Properties, nil
		}
	}
	return nil, fmt.Errorf("%s declares no %s", name, prop)
}

// editProperty replaces name.prop by what edit makes of it.
func editProperty(doc *openapi3.T, name, prop string, edit func(*openapi3.SchemaRef) (*openapi3.SchemaRef, error)) error {
	props, err := propertyOf(doc, name, prop)
	if err != nil {
		return err
	}
	repl, err := edit(props[prop])
	if err != nil {
		return fmt.Errorf("%s.%s %w", name, prop, err)
	}
	props[prop] = repl
	return nil
}

func replaceRef(target string, repl *openapi3.SchemaRef) func(*openapi3.SchemaRef) (*openapi3.SchemaRef, error) {
	return func(old *openapi3.SchemaRef) (*openapi3.SchemaRef, error) {
		if old.Ref != schemaPrefix+target {
			return nil, fmt.Errorf("is no longer a $ref to %s", target)
		}
		return repl, nil
	}
}

func replaceType(typ string, repl *openapi3.SchemaRef) func(*openapi3.SchemaRef) (*openapi3.SchemaRef, error) {
	return func(old *openapi3.SchemaRef) (*openapi3.SchemaRef, error) {
		if old.Ref != "" || !old.Value.Type.Is(typ) {
			return nil, fmt.Errorf("is no longer an inline %s", typ)
		}
		return repl, nil
	}
}

// makeNullable lets a property be null: an inline schema gets nullable, a
// $ref is wrapped (siblings of $ref are ignored in OpenAPI 3.0).
func makeNullable(old *openapi3.SchemaRef) (*openapi3.SchemaRef, error) {
	if old.Value.Nullable {
		return nil, errors.New("is already nullable")
	}
	if old.Ref == "" {
		cp := *old.Value
		cp.Nullable = true
		return inline(&cp), nil
	}
	return inline(&openapi3.Schema{Nullable: true, AnyOf: openapi3.SchemaRefs{old}}), nil
}

func typed(typ string) *openapi3.Schema { return &openapi3.Schema{Type: &openapi3.Types{typ}} }

func inline(s *openapi3.Schema) *openapi3.SchemaRef { return &openapi3.SchemaRef{Value: s} }

func arrayOf(items *openapi3.SchemaRef) *openapi3.Schema {
	s := typed("array")
	s.Items = items
	return s
}

func stringEnum(values ...string) *openapi3.SchemaRef {
	s := typed("string")
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return inline(s)
}

func hexID() *openapi3.SchemaRef {
	s := typed("string")
	s.Pattern = "^[0-9a-f]{32}$"
	return inline(s)
}

// nonFiniteDouble is a double as Jackson writes it: a number, or a string for
// NaN and the infinities.
func nonFiniteDouble() *openapi3.SchemaRef {
	num := typed("number")
	num.Format = "double"
	return inline(&openapi3.Schema{AnyOf: openapi3.SchemaRefs{inline(num), stringEnum("NaN", "Infinity", "-Infinity")}})
}

func forEachOperation(doc *openapi3.T, fn func(path, method string, op *openapi3.Operation) error) error {
	for _, path := range doc.Paths.InMatchingOrder() {
		ops := doc.Paths.Value(path).Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			if err := fn(path, method, ops[method]); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkSchemas calls fn once for every schema reachable from the components
// and the operations, parents before children (fn may replace children).
func walkSchemas(doc *openapi3.T, fn func(*openapi3.Schema) error) error {
	seen := map[*openapi3.Schema]bool{}
	var visit func(*openapi3.SchemaRef) error
	visit = func(ref *openapi3.SchemaRef) error {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return nil
		}
		s := ref.Value
		seen[s] = true
		if err := fn(s); err != nil {
			return err
		}
		kids := slices.Concat(slices.Collect(maps.Values(s.Properties)), s.AllOf, s.AnyOf, s.OneOf,
			openapi3.SchemaRefs{s.Items, s.Not, s.AdditionalProperties.Schema})
		for _, kid := range kids {
			if err := visit(kid); err != nil {
				return err
			}
		}
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		if err := visit(doc.Components.Schemas[name]); err != nil {
			return err
		}
	}
	return forEachOperation(doc, func(_, _ string, op *openapi3.Operation) error {
		for _, ref := range operationSchemas(op) {
			if err := visit(ref); err != nil {
				return err
			}
		}
		return nil
	})
}

// operationSchemas lists the schemas of an operation's parameters, request
// body and responses.
func operationSchemas(op *openapi3.Operation) openapi3.SchemaRefs {
	var refs openapi3.SchemaRefs
	for _, p := range op.Parameters {
		refs = append(refs, p.Value.Schema)
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Value.Content {
			refs = append(refs, mt.Schema)
		}
	}
	for _, resp := range op.Responses.Map() {
		for _, mt := range resp.Value.Content {
			refs = append(refs, mt.Schema)
		}
	}
	return refs
}

// ---- loading ----

// specDoc is one loaded, patched spec with its router.
type specDoc struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

var loadSpecsOnce = sync.OnceValues(buildSpecs)

// loadSpecs loads the vendored specs once per test binary, with the wire
// deviations and the adaptations applied and the result validated.
func loadSpecs(t testing.TB) []*specDoc {
	t.Helper()
	specs, err := loadSpecsOnce()
	if err != nil {
		t.Fatalf("loading the Flink OpenAPI specs: %v", err)
	}
	return specs
}

func readSpec(path string) (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromFile(path)
}

func buildSpecs() ([]*specDoc, error) {
	docs := make([]*openapi3.T, len(specFiles))
	for i, f := range specFiles {
		doc, err := readSpec(f.path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		for _, d := range wireDeviations {
			if err := d.patch(doc); err != nil {
				return nil, fmt.Errorf("%s: deviation %s: %w", f.name, d.name, err)
			}
		}
		docs[i] = doc
	}
	for _, a := range specAdaptations {
		for i, doc := range docs {
			peers := slices.Delete(slices.Clone(docs), i, i+1)
			if err := a.apply(doc, peers); err != nil {
				return nil, fmt.Errorf("%s: adaptation %s: %w", specFiles[i].name, a.name, err)
			}
		}
	}
	specs := make([]*specDoc, len(docs))
	for i, doc := range docs {
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("%s: patched spec is invalid: %w", specFiles[i].name, err)
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", specFiles[i].name, err)
		}
		specs[i] = &specDoc{name: specFiles[i].name, doc: doc, router: router}
	}
	return specs, nil
}

// ---- validation ----

// specValidator validates every HTTP exchange it sees against every loaded
// spec and records which operations it validated. Safe for concurrent use.
type specValidator struct {
	t     testing.TB
	specs []*specDoc

	mu      sync.Mutex
	covered map[string]bool
}

func newSpecValidator(t testing.TB) *specValidator {
	t.Helper()
	return &specValidator{t: t, specs: loadSpecs(t), covered: map[string]bool{}}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// Transport wraps next (http.DefaultTransport if nil). Each exchange's
// request and response are validated against every spec and each failure is
// reported with t.Errorf; the bodies reach the caller unchanged. A transport
// error (no response) is passed through without validation.
func (v *specValidator) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		reqBody, out, err := bufferRequest(req)
		if err != nil {
			return nil, err
		}
		resp, err := next.RoundTrip(out)
		if err != nil {
			return resp, err
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("spec validator: reading the response body: %w", err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
		for _, e := range v.validate(req, reqBody, resp, respBody) {
			v.t.Errorf("%v", e)
		}
		return resp, nil
	})
}

// bufferRequest reads the request body and returns it with the request to
// send on, which still carries the whole body. req itself is not modified.
func bufferRequest(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		body, err := io.ReadAll(rc)
		return body, req, err
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return body, out, nil
}

// validate checks one exchange against every spec and returns one error per
// failed check, each naming the spec, the method, path and query, and status.
func (v *specValidator) validate(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []error {
	var errs []error
	for i, s := range v.specs {
		opID, failures := s.check(req, reqBody, resp, respBody)
		if i == 0 && opID != "" {
			v.mu.Lock()
			v.covered[opID] = true
			v.mu.Unlock()
		}
		for _, f := range failures {
			errs = append(errs, fmt.Errorf("OpenAPI %s: %s %s → %d: %w", s.name, req.Method, req.URL.RequestURI(), resp.StatusCode, f))
		}
	}
	return errs
}

// check validates one exchange against one spec. It returns the operation's
// ID ("" when no route matches) and the failures.
func (s *specDoc) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) (string, []error) {
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	vreq.ContentLength = int64(len(reqBody))
	route, params, err := s.router.FindRoute(vreq)
	if err != nil {
		return "", []error{fmt.Errorf("no operation matches: %w", err)}
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus:             true,
		RejectWhenRequestBodyNotSpecified: true,
		SkipSettingDefaults:               true,
	}
	opts.WithCustomSchemaErrorFunc(schemaErrorMessage)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	var errs []error
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		errs = append(errs, fmt.Errorf("request: %w", err))
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	return route.Operation.OperationID, append(errs, extraChecks(route, req, resp.StatusCode, respBody)...)
}

// extraChecks adds what kin-openapi leaves out: it ignores query parameters
// the operation does not declare (so a misnamed one would pass), and does not
// look at the body of an answer the spec documents without content (Flink
// sends nothing or {} there).
func extraChecks(route *routers.Route, req *http.Request, status int, body []byte) []error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(req.URL.Query())) {
		if route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil &&
			route.PathItem.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			errs = append(errs, fmt.Errorf("request: query parameter %q is not declared", name))
		}
	}
	if doc := route.Operation.Responses.Status(status); doc != nil && len(doc.Value.Content) == 0 {
		var compact bytes.Buffer
		if len(bytes.TrimSpace(body)) != 0 && (json.Compact(&compact, body) != nil || compact.String() != "{}") {
			errs = append(errs, fmt.Errorf("response: status %d is documented without content, but the body is %.80q", status, body))
		}
	}
	return errs
}

// Covered returns the sorted IDs of the operations validated so far, as the
// first spec names them.
func (v *specValidator) Covered() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Sorted(maps.Keys(v.covered))
}

// schemaErrorMessage replaces kin-openapi's default message, which dumps the
// whole schema and value, with the JSON pointer, the reason and a short
// value; for an anyOf it adds why each candidate failed.
func schemaErrorMessage(e *openapi3.SchemaError) string {
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("does not match %q", e.SchemaField)
	}
	msg := fmt.Sprintf("at %q: %s", "/"+strings.Join(e.JSONPointer(), "/"), reason)
	if e.Origin != nil {
		msg += ": " + e.Origin.Error()
	}
	if e.SchemaField == "anyOf" && e.Schema != nil {
		msg += anyOfFailures(e.Schema, e.Value)
	}
	value, _ := json.Marshal(e.Value)
	if len(value) > 120 {
		value = append(value[:117], "..."...)
	}
	return fmt.Sprintf("%s (value %s)", msg, value)
}

// anyOfFailures explains an anyOf failure: why each candidate (only the one
// the discriminator selects, if any) rejected value.
func anyOfFailures(s *openapi3.Schema, value any) string {
	var selected string
	if d, obj := s.Discriminator, asObject(value); d != nil && obj != nil {
		if key, ok := obj[d.PropertyName].(string); ok {
			selected = d.Mapping[key].Ref
		}
	}
	var why []string
	for i, c := range s.AnyOf {
		if selected != "" && c.Ref != selected {
			continue
		}
		if err := c.Value.VisitJSON(value, openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage)); err != nil {
			name := cmp.Or(c.Ref, fmt.Sprintf("#%d", i))
			why = append(why, fmt.Sprintf("%s: %v", strings.TrimPrefix(name, schemaPrefix), err))
		}
	}
	return " [" + strings.Join(why, "; ") + "]"
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
