package flinkapi_test

// OpenAPI validation harness for the client's tests: every HTTP exchange that
// goes through specValidator.Transport is checked against Flink's vendored
// REST specs (testdata/spec), after the wire deviations below are patched in.
// This file holds the tables and the patches; the validating transport is
// in spec_validator_test.go and its own tests in spec_self_test.go.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
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
			"declares it (1.20.5 and 2.2.1 do not write it: kept for newer releases)",
		patch: patchSlotSharingGroupName,
	},
	{
		name: "subtask-legacy-fields",
		reason: "SubtaskExecutionAttemptDetailsInfo (GET /jobs/{jobid}/vertices/{vertexid}, subtasks[]) " +
			"also writes the deprecated start_time (a copy of start-time), which neither spec declares " +
			"(the 1.20 spec declares the deprecated host beside it); seen on 1.20.5 and 2.2.1",
		patch: patchSubtaskLegacyFields,
	},
	{
		name: "resource-id-any-string",
		reason: "a TaskManager's ResourceID is taskmanager.resource-id when set, else " +
			"\"<host>:<port>-<6 hex>\" on a standalone cluster; the spec's pattern [0-9a-f]{32} " +
			"rejects both (GET /taskmanagers ids, seen on 1.20.5 and 2.2.1)",
		patch: patchResourceID,
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

func patchSubtaskLegacyFields(doc *openapi3.T) error {
	s, err := component(doc, "SubtaskExecutionAttemptDetailsInfo")
	if err != nil {
		return err
	}
	if s.Properties["start_time"] != nil {
		return errors.New("SubtaskExecutionAttemptDetailsInfo now declares start_time")
	}
	num := typed("integer")
	num.Format = "int64"
	s.Properties["start_time"] = inline(num)
	return nil
}

func patchResourceID(doc *openapi3.T) error {
	s, err := component(doc, "ResourceID")
	if err != nil {
		return err
	}
	if s.Pattern == "" {
		return errors.New("ResourceID no longer has a pattern")
	}
	s.Pattern = ""
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
