package kafkalag

import (
	"context"
	"math"
	"sync"

	"github.com/IBM/sarama"
)

// sampleRecords is how many records before the end offset a sampled
// partition is read from.
const sampleRecords = 16

// sample reads the last few records of up to Config.SampleSizes partitions,
// round robin across evaluations, with one Fetch request per leader broker,
// concurrently, and feeds their key + value sizes to the Tracker. It
// returns the partitions sampled. Failures only delay the sizes: they are
// logged, never reported.
func (l *Lag) sample(ctx context.Context, r *reading) []ref {
	if l.cfg.SampleSizes == 0 {
		return nil
	}
	var cands []ref
	for _, c := range r.lay.refs() {
		start, ok1 := c.bounds().start.Value()
		end, ok2 := c.bounds().end.Value()
		if ok1 && ok2 && end > start {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	picked := l.pick(cands)
	byBroker := map[*sarama.Broker][]ref{}
	for _, c := range picked {
		b := c.t.leaders[c.i]
		byBroker[b] = append(byBroker[b], c)
	}
	var wg sync.WaitGroup
	for b, refs := range byBroker {
		wg.Go(func() { l.fetchSizes(ctx, b, refs) })
	}
	wg.Wait()
	return picked
}

// pick returns the next Config.SampleSizes candidates, round robin.
func (l *Lag) pick(cands []ref) []ref {
	n := min(l.cfg.SampleSizes, len(cands))
	l.mu.Lock()
	first := l.cursor % len(cands)
	l.cursor = first + n
	l.mu.Unlock()
	out := make([]ref, 0, n)
	for i := range n {
		out = append(out, cands[(first+i)%len(cands)])
	}
	return out
}

// fetchSizes sends one Fetch request for refs to their leader b.
func (l *Lag) fetchSizes(ctx context.Context, b *sarama.Broker, refs []ref) {
	req := l.fetchRequest()
	req.MaxBytes = int32(min(int64(len(refs))*int64(l.cfg.SampleBytes), math.MaxInt32))
	from := make([]int64, len(refs))
	for i, c := range refs {
		start, _ := c.bounds().start.Value()
		end, _ := c.bounds().end.Value()
		from[i] = max(start, end-sampleRecords)
		req.AddBlock(c.t.name, c.id(), from[i], l.cfg.SampleBytes, -1)
	}
	resp, err := request(ctx, l, b, func() (*sarama.FetchResponse, error) { return b.Fetch(req) })
	if err != nil && ctx.Err() == nil {
		fresh, ferr := call(ctx, func() (*sarama.Broker, error) { return l.client.Broker(b.ID()) })
		if ferr == nil && fresh != b { // b was replaced
			resp, err = request(ctx, l, fresh, func() (*sarama.FetchResponse, error) { return fresh.Fetch(req) })
		}
	}
	if err != nil {
		l.cfg.Logger.Debug("kafkalag: sampling record sizes failed", "broker", b.Addr(), "err", err)
		return
	}
	for i, c := range refs {
		block := resp.GetBlock(c.t.name, c.id())
		if block == nil || block.Err != sarama.ErrNoError {
			continue
		}
		for _, size := range recordSizes(block, from[i]) {
			l.cfg.Tracker.ObserveSize(c.key(), size)
		}
	}
}

// fetchRequest returns an empty Fetch request that answers at once, at the
// highest version sarama's consumer would use for the client's Kafka
// version (up to 11: no fetch sessions, no topic ids).
func (l *Lag) fetchRequest() *sarama.FetchRequest {
	v := l.version()
	req := &sarama.FetchRequest{MinBytes: 1, MaxWaitTime: 0, Version: 5, SessionEpoch: -1}
	switch {
	case v.IsAtLeast(sarama.V2_3_0_0):
		req.Version = 11
	case v.IsAtLeast(sarama.V2_1_0_0):
		req.Version = 10
	case v.IsAtLeast(sarama.V2_0_0_0):
		req.Version = 8
	case v.IsAtLeast(sarama.V1_1_0_0):
		req.Version = 7
	case v.IsAtLeast(sarama.V1_0_0_0):
		req.Version = 6
	}
	return req
}

// recordSizes returns the key + value sizes of the data records at or after
// offset from in block.
func recordSizes(block *sarama.FetchResponseBlock, from int64) []int64 {
	var sizes []int64
	for _, rs := range block.RecordsSet {
		switch {
		case rs == nil:
		case rs.RecordBatch != nil:
			if rs.RecordBatch.Control {
				continue
			}
			for _, rec := range rs.RecordBatch.Records {
				if rs.RecordBatch.FirstOffset+rec.OffsetDelta >= from {
					sizes = append(sizes, int64(len(rec.Key)+len(rec.Value)))
				}
			}
		case rs.MsgSet != nil:
			for _, m := range rs.MsgSet.Messages {
				if m.Offset >= from && m.Msg != nil {
					sizes = append(sizes, int64(len(m.Msg.Key)+len(m.Msg.Value)))
				}
			}
		}
	}
	return sizes
}
