package checkpointing

import "time"

// SizeInputs describe one pipeline's contribution to a checkpoint. Sizes are
// bytes.
type SizeInputs struct {
	// StateBytes is the pipeline's operator state in a checkpoint: source
	// offsets, keyed state, timers.
	StateBytes int64
	// InFlightElements is the elements of the open bundle whose output is
	// buffered into a checkpoint when bundles are not finished first. Beam's
	// Flink runner buffers only what a DoFn emits while its bundle finishes
	// (@FinishBundle output, timers firing then): a pipeline whose DoFns
	// emit from @ProcessElement buffers nothing (measured on Beam 2.70.0:
	// bundles of 1,000 and 10,000 elements moved a 94.9 KB checkpoint by 0-3
	// bytes, docs/beam-checkpoints.md); pass 0 ElementBytes for it. Default:
	// a full bundle, the settings' MaxBundleSize (the worst case). Zero means
	// default.
	InFlightElements int64
	// ElementBytes is the average serialized size of one buffered element.
	ElementBytes int64
	// OptionsBytes is the size of the serialized PipelineOptions
	// (OptionsReport.TotalBytes, or TrimmedBytes once application values are
	// moved out).
	OptionsBytes int64
	// Operators is how many operators of the pipeline write coder
	// serializers carrying the PipelineOptions into the checkpoint
	// metadata. Beam 2.62.0's runner serializer (CoderTypeSerializer) holds
	// the options and its snapshot writes them (BEAM-8577, the seed's
	// case); 2.70.0's keeps only the coder, and a 200 KB application value
	// in the options moved its checkpoints by 1-3 bytes (measured,
	// docs/beam-checkpoints.md): pass 0 for such a release.
	Operators int
	// SerializersPerOperator is the coder serializers each of those
	// operators writes; Beam's serializer carries a full copy of the
	// PipelineOptions (BEAM-8577). Default: 1. Zero means default.
	SerializersPerOperator int
	// Pipelines is how many pipelines run in the Flink job. Default: 1. Zero
	// means default.
	Pipelines int
}

// Validate reports negative inputs as an error wrapping ErrInvalidInput.
func (in SizeInputs) Validate() error {
	if in.StateBytes < 0 || in.InFlightElements < 0 || in.ElementBytes < 0 || in.OptionsBytes < 0 ||
		in.Operators < 0 || in.SerializersPerOperator < 0 || in.Pipelines < 0 {
		return invalidInput("size inputs: negative figure")
	}
	return nil
}

// SizeEstimate is the estimated size of one checkpoint. The first four
// figures are per pipeline. Figures are never negative: one too large for
// an int64 saturates at math.MaxInt64.
type SizeEstimate struct {
	// State is the operator state.
	State int64
	// InFlight is the open bundle's output buffered into the checkpoint;
	// zero when bundles are finished before checkpointing.
	InFlight int64
	// Options is the PipelineOptions copies written by coder serializers.
	Options int64
	// PerPipeline is State + InFlight + Options.
	PerPipeline int64
	// PerJob is PerPipeline times the pipelines: what each checkpoint, one
	// per interval, writes.
	PerJob int64
	// Pipelines is the pipeline count used.
	Pipelines int
}

// PerHour returns what checkpoints write per hour at the given interval
// (zero when the interval is not positive; at most math.MaxInt64).
func (e SizeEstimate) PerHour(interval time.Duration) int64 {
	if interval <= 0 {
		return 0
	}
	return saturatingInt64(float64(e.PerJob) * float64(time.Hour) / float64(interval))
}

// EstimateSize estimates one checkpoint of a job running the settings s:
//
//	perPipeline = state
//	            + inFlightElements * elementBytes        (unless s finishes bundles first)
//	            + optionsBytes * operators * serializers (BEAM-8577)
//	perJob      = perPipeline * pipelines
//
// Errors wrap ErrInvalidConfig or ErrInvalidInput.
func EstimateSize(s Settings, in SizeInputs) (SizeEstimate, error) {
	if err := s.Validate(); err != nil {
		return SizeEstimate{}, err
	}
	if err := in.Validate(); err != nil {
		return SizeEstimate{}, err
	}
	e := s.Effective()
	if in.InFlightElements == 0 {
		in.InFlightElements = e.MaxBundleSize
	}
	if in.SerializersPerOperator == 0 {
		in.SerializersPerOperator = 1
	}
	if in.Pipelines == 0 {
		in.Pipelines = 1
	}
	est := SizeEstimate{
		State:     in.StateBytes,
		Options:   saturatingMul(saturatingMul(in.OptionsBytes, int64(in.Operators)), int64(in.SerializersPerOperator)),
		Pipelines: in.Pipelines,
	}
	if !e.FinishBundleBeforeCheckpointing {
		est.InFlight = saturatingMul(in.InFlightElements, in.ElementBytes)
	}
	est.PerPipeline = saturatingAdd(saturatingAdd(est.State, est.InFlight), est.Options)
	est.PerJob = saturatingMul(est.PerPipeline, int64(in.Pipelines))
	return est, nil
}
