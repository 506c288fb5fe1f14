package livejob

import (
	"errors"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// prefetch is how many records a source keeps fetched ahead of its
// position per partition; below it, a step fetches more.
const prefetch = 256

// fetchBytes bounds what one fetch returns per partition.
const fetchBytes = 64 << 10

// fetch reads more records for every partition a running source reads
// whose buffer runs low: one Fetch request per leader broker, sent
// together, answered at once with what Kafka holds. A step that follows
// a produce sees every record it acknowledged.
func (j *Job) fetch(e *execution) {
	type req struct {
		b     *sarama.Broker
		r     *sarama.FetchRequest
		parts []*partition
		from  []int64
		resp  *sarama.FetchResponse
		err   error
	}
	byBroker := map[int32]*req{}
	for _, pe := range e.pipes {
		for _, t := range pe.sources {
			for _, k := range t.parts {
				p := j.parts[k]
				if len(p.buf) >= prefetch {
					continue
				}
				b, err := j.client.Leader(p.topic, p.id)
				if err != nil {
					j.cfg.Logger.Debug("livejob: no leader", "topic", p.topic, "partition", p.id, "err", err)
					continue
				}
				r := byBroker[b.ID()]
				if r == nil {
					r = &req{b: b, r: &sarama.FetchRequest{Version: 11, MinBytes: 1, MaxWaitTime: 0, MaxBytes: 16 << 20, SessionEpoch: -1}}
					byBroker[b.ID()] = r
				}
				from := p.pos.Load() + int64(len(p.buf))
				r.r.AddBlock(p.topic, p.id, from, fetchBytes, -1)
				r.parts, r.from = append(r.parts, p), append(r.from, from)
			}
		}
	}
	var wg sync.WaitGroup
	for _, r := range byBroker {
		wg.Go(func() { r.resp, r.err = r.b.Fetch(r.r) })
	}
	wg.Wait()
	for _, r := range byBroker {
		if r.err != nil {
			j.cfg.Logger.Warn("livejob: fetch", "broker", r.b.Addr(), "err", r.err)
			_ = j.client.RefreshMetadata()
			continue
		}
		for i, p := range r.parts {
			blk := r.resp.GetBlock(p.topic, p.id)
			if blk == nil || !errors.Is(blk.Err, sarama.ErrNoError) {
				continue
			}
			p.buf = appendRecords(p.buf, blk, r.from[i])
		}
	}
}

// appendRecords appends the data records at or after offset from in blk,
// in order, to buf.
func appendRecords(buf []record, blk *sarama.FetchResponseBlock, from int64) []record {
	next := from
	add := func(off int64, key []byte) {
		if off == next { // in order, no gap, no duplicate
			buf = append(buf, record{off: off, key: hashKey(key)})
			next++
		}
	}
	for _, rs := range blk.RecordsSet {
		switch {
		case rs == nil:
		case rs.RecordBatch != nil:
			if rs.RecordBatch.Control {
				next = max(next, rs.RecordBatch.LastOffset()+1)
				continue
			}
			for _, rec := range rs.RecordBatch.Records {
				add(rs.RecordBatch.FirstOffset+rec.OffsetDelta, rec.Key)
			}
		case rs.MsgSet != nil:
			for _, m := range rs.MsgSet.Messages {
				if m.Msg != nil {
					add(m.Offset, m.Msg.Key)
				}
			}
		}
	}
	return buf
}

// commit commits positions to the consumer group, as a standalone
// consumer (no member, generation -1) does, which is how Flink's
// KafkaSource commits on checkpoint completion. A failed commit is
// logged: the next one supersedes it, and nothing is lost (the job
// restarts from its checkpoint, not from the group's offsets).
func (j *Job) commit(pos []int64) {
	if err := j.tryCommit(pos); err != nil {
		j.cfg.Logger.Warn("livejob: commit offsets", "group", j.cfg.Group, "err", err)
		return
	}
	for i, p := range j.parts {
		p.setCommitted(pos[i])
	}
}

func (j *Job) tryCommit(pos []int64) error {
	coord, err := j.client.Coordinator(j.cfg.Group)
	if err != nil {
		return err
	}
	req := sarama.NewOffsetCommitRequest(j.cfg.Sarama, j.cfg.Group)
	for i, p := range j.parts {
		req.AddBlock(p.topic, p.id, pos[i], 0, "")
	}
	resp, err := coord.CommitOffset(req)
	if err != nil {
		_ = j.client.RefreshCoordinator(j.cfg.Group)
		return err
	}
	for t, ps := range resp.Errors {
		for p, kerr := range ps {
			if !errors.Is(kerr, sarama.ErrNoError) {
				return fmt.Errorf("%s/%d: %w", t, p, kerr)
			}
		}
	}
	return nil
}

// endOffsets reads every partition's end offset, one ListOffsets request
// per leader broker.
func (j *Job) endOffsets() {
	type req struct {
		b     *sarama.Broker
		r     *sarama.OffsetRequest
		parts []*partition
	}
	byBroker := map[int32]*req{}
	for _, p := range j.parts {
		b, err := j.client.Leader(p.topic, p.id)
		if err != nil {
			continue
		}
		r := byBroker[b.ID()]
		if r == nil {
			r = &req{b: b, r: &sarama.OffsetRequest{Version: 1}}
			byBroker[b.ID()] = r
		}
		r.r.AddBlock(p.topic, p.id, sarama.OffsetNewest, 1)
		r.parts = append(r.parts, p)
	}
	for _, r := range byBroker {
		resp, err := r.b.GetAvailableOffsets(r.r)
		if err != nil {
			_ = j.client.RefreshMetadata()
			continue
		}
		for _, p := range r.parts {
			if blk := resp.GetBlock(p.topic, p.id); blk != nil && errors.Is(blk.Err, sarama.ErrNoError) {
				p.end.Store(blk.Offset)
			}
		}
	}
}
