package livejob

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// execution is one run of the job's tasks at one parallelism, from a
// (re)start to the next stop.
type execution struct {
	par     map[flinkapi.VertexID]int
	started time.Time

	runCtx    context.Context // the tasks'; cancelled to drop what is in flight
	cancelRun context.CancelFunc
	cancelSrc context.CancelFunc // the readers'; cancelled first to stop with drain

	pipes             []*pipeExec
	sources, ops, snk sync.WaitGroup
}

// pipeExec is one pipeline's tasks in an execution.
type pipeExec struct {
	sources    []*sourceTask
	transforms []*opTask
	sinks      []*opTask
}

// start runs the tasks at par, from the partitions' positions. closing
// tracks readers still closing after a stop.
func (j *Job) start(ctx context.Context, par map[flinkapi.VertexID]int, closing *sync.WaitGroup) (*execution, error) {
	runCtx, cancelRun := context.WithCancel(ctx)
	srcCtx, cancelSrc := context.WithCancel(runCtx)
	e := &execution{par: par, started: time.Now(), runCtx: runCtx, cancelRun: cancelRun, cancelSrc: cancelSrc}
	for _, p := range j.pipes {
		pe, err := j.build(p, par)
		if err != nil {
			cancelRun()
			j.closeReaders(e, closing)
			return nil, err
		}
		e.pipes = append(e.pipes, pe)
	}
	for i, pe := range e.pipes {
		for _, t := range pe.sinks {
			e.snk.Go(func() { j.sink(runCtx, t) })
		}
		for _, t := range pe.transforms {
			e.ops.Go(func() { j.transform(runCtx, t, &j.pipes[i].state) })
		}
		for _, t := range pe.sources {
			if t.reader != nil {
				e.sources.Go(func() { j.runSource(srcCtx, runCtx, t) })
			}
		}
	}
	return e, nil
}

// build makes a pipeline's tasks at par, sinks first so each stage can be
// wired to the next one's inputs.
func (j *Job) build(p *pipe, par map[flinkapi.VertexID]int) (*pipeExec, error) {
	n := func(s Stage) int { return max(1, par[p.ids[s]]) }
	buf := func(s Stage) int { return int(p.Capacity[s] * j.cfg.BufferTime.Seconds()) }
	pe := &pipeExec{}
	var sinkIn, xfIn []*queue
	for range n(Sink) {
		t := &opTask{stats: &taskStats{}, in: newQueue(buf(Sink)), pace: newPacer(p.Capacity[Sink])}
		pe.sinks = append(pe.sinks, t)
		sinkIn = append(sinkIn, t.in)
	}
	for i := range n(Transform) {
		t := &opTask{stats: &taskStats{}, in: newQueue(buf(Transform)), pace: newPacer(p.Capacity[Transform]), out: sinkIn, next: i % len(sinkIn)}
		pe.transforms = append(pe.transforms, t)
		xfIn = append(xfIn, t.in)
	}
	ns := n(Source)
	for i := range ns {
		t := &sourceTask{stats: &taskStats{}, pace: newPacer(p.Capacity[Source]), out: xfIn, keyGrp: p.KeyGroups}
		for k := i; k < p.Partitions; k += ns { // subtask i reads partitions i, i+p, ...
			t.parts = append(t.parts, p.first+k)
		}
		r, err := j.newReader(t)
		if err != nil {
			for _, s := range pe.sources {
				if s.reader != nil {
					_ = s.reader.Close()
				}
			}
			return nil, err
		}
		t.reader = r
		pe.sources = append(pe.sources, t)
	}
	return pe, nil
}

// runSource runs a source subtask's reader until srcCtx ends or it fails.
func (j *Job) runSource(srcCtx, runCtx context.Context, t *sourceTask) {
	byID := map[int32]int{}
	for _, k := range t.parts {
		byID[j.parts[k].id] = k
	}
	err := t.reader.Run(srcCtx, func(_ context.Context, b kafkaread.Batch) error {
		return j.handle(runCtx, t, byID, b)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		j.cfg.Logger.Warn("livejob: a source subtask stopped reading", "partitions", len(t.parts), "err", err)
	}
}

// stop ends the execution. With flush (stop with drain) the sources stop
// after the batch in hand and everything in flight reaches the sinks;
// otherwise what is in flight is dropped, as a restart does.
func (j *Job) stop(e *execution, flush bool, closing *sync.WaitGroup) {
	if flush {
		e.cancelSrc()
		e.sources.Wait()
		for _, pe := range e.pipes {
			for _, t := range pe.transforms {
				t.in.close()
			}
		}
		e.ops.Wait()
		for _, pe := range e.pipes {
			for _, t := range pe.sinks {
				t.in.close()
			}
		}
		e.snk.Wait()
	}
	e.cancelRun()
	e.sources.Wait()
	e.ops.Wait()
	e.snk.Wait()
	j.closeReaders(e, closing)
}

// closeReaders closes the readers in the background (a reader's Close
// waits for its partition consumers); closing tracks them.
func (j *Job) closeReaders(e *execution, closing *sync.WaitGroup) {
	for _, pe := range e.pipes {
		for _, t := range pe.sources {
			if r := t.reader; r != nil {
				closing.Go(func() { _ = r.Close() })
			}
		}
	}
}
