// Package realtest holds what the real-tier tests (build tag realstack) of
// several packages share: waiting for a condition, for a job to run, and
// reading a topic's end offsets and a group's committed offsets from a
// real Kafka independently of the code under test. It is internal: a
// user's own integration tests compose realstack and flinkapi directly.
package realtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/realstack"
)

// Poll is how often Eventually asks its condition again.
const Poll = 250 * time.Millisecond

// Eventually asks cond every Poll until it reports true. It fails t, with
// cond's last error, when timeout passes or ctx ends first.
func Eventually(ctx context.Context, t testing.TB, what string, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(Poll)
	defer tick.Stop()
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last: %v)", what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// Until is Eventually for a condition that holds when it returns nil.
func Until(ctx context.Context, t testing.TB, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	Eventually(ctx, t, what, timeout, func() (bool, error) {
		err := cond()
		return err == nil, err
	})
}

// RescaleAtOnce is the Flink configuration under which the adaptive
// scheduler applies new resource requirements as soon as the slots are
// there: no minimum interval between rescales (1.x), no cooldown (2.x; each
// line ignores the other's key) and a 1 s resource stabilization. A fresh
// map on every call.
func RescaleAtOnce() map[string]string {
	return map[string]string{
		"jobmanager.adaptive-scheduler.scaling-interval.min":                     "0 s",
		"jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling":       "0 s",
		"jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout": "1 s",
	}
}

// Running returns nil when the job and every subtask of every vertex are
// RUNNING, each vertex at its parallelism in targets where targets names
// it; otherwise an error saying what is not.
func Running(d flinkapi.JobDetails, targets map[flinkapi.VertexID]int) error {
	if d.State != flinkapi.JobRunning {
		return fmt.Errorf("job %s", d.State)
	}
	if len(d.Vertices) == 0 {
		return fmt.Errorf("job %s lists no vertices", d.ID)
	}
	for _, v := range d.Vertices {
		if want, ok := targets[v.ID]; ok && v.Parallelism != want {
			return fmt.Errorf("vertex %s at parallelism %d, want %d", v.Name, v.Parallelism, want)
		}
		if v.Status != flinkapi.ExecRunning || v.Tasks[flinkapi.ExecRunning] != v.Parallelism {
			return fmt.Errorf("vertex %s %s (%v)", v.Name, v.Status, v.Tasks)
		}
	}
	return nil
}

// WaitRunning waits, up to 4 minutes, until Running holds for the job and
// returns its details then.
func WaitRunning(ctx context.Context, t testing.TB, c *flinkapi.Client, id flinkapi.JobID, targets map[flinkapi.VertexID]int) flinkapi.JobDetails {
	t.Helper()
	var d flinkapi.JobDetails
	Eventually(ctx, t, "job "+string(id)+" running", 4*time.Minute, func() (bool, error) {
		var err error
		if d, err = c.JobDetails(ctx, id); err != nil {
			return false, err
		}
		err = Running(d, targets)
		return err == nil, err
	})
	return d
}

// Submit submits job to f and waits until it runs.
func Submit(ctx context.Context, t testing.TB, f *realstack.Flink, c *flinkapi.Client, job realstack.TestJob) flinkapi.JobID {
	t.Helper()
	s, err := f.Submit(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	id := flinkapi.JobID(s)
	WaitRunning(ctx, t, c, id, nil)
	return id
}

// Offsets reads end and committed offsets from a real Kafka with sarama,
// independently of the packages under test.
type Offsets struct {
	client sarama.Client
	admin  sarama.ClusterAdmin
}

// NewOffsets connects to k, with 5 s network timeouts; t's cleanup closes
// the connections.
func NewOffsets(t testing.TB, k *realstack.Kafka) *Offsets {
	t.Helper()
	conf := k.SaramaConfig()
	conf.Net.DialTimeout, conf.Net.ReadTimeout, conf.Net.WriteTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	client, err := sarama.NewClient(k.Addrs(), conf)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		_ = client.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() }) // closes the client too
	return &Offsets{client: client, admin: admin}
}

// partitions returns topic's partitions, 0..n-1.
func (o *Offsets) partitions(topic string) ([]int32, error) {
	if err := o.client.RefreshMetadata(topic); err != nil {
		return nil, err
	}
	ps, err := o.client.Partitions(topic)
	if err != nil {
		return nil, err
	}
	for i, p := range ps {
		if p != int32(i) {
			return nil, fmt.Errorf("topic %s: partitions %v are not 0..%d", topic, ps, len(ps)-1)
		}
	}
	return ps, nil
}

// Ends returns topic's end offsets (high watermarks), indexed by partition.
func (o *Offsets) Ends(topic string) ([]int64, error) {
	ps, err := o.partitions(topic)
	if err != nil {
		return nil, err
	}
	return o.ends(topic, ps)
}

func (o *Offsets) ends(topic string, ps []int32) ([]int64, error) {
	out := make([]int64, len(ps))
	for _, p := range ps {
		var err error
		if out[p], err = o.client.GetOffset(topic, p, sarama.OffsetNewest); err != nil {
			return nil, fmt.Errorf("end offset of %s/%d: %w", topic, p, err)
		}
	}
	return out, nil
}

// Committed returns group's committed offsets of topic, indexed by
// partition; a partition the group never committed counts from 0 (the
// test jobs start from the earliest offset).
func (o *Offsets) Committed(group, topic string) ([]int64, error) {
	ps, err := o.partitions(topic)
	if err != nil {
		return nil, err
	}
	return o.committed(group, topic, ps)
}

func (o *Offsets) committed(group, topic string, ps []int32) ([]int64, error) {
	resp, err := o.admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: ps})
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(ps))
	for _, p := range ps {
		blk := resp.GetBlock(topic, p)
		if blk == nil || blk.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("committed offset of %s/%d: %v", topic, p, blk)
		}
		out[p] = max(blk.Offset, 0)
	}
	return out, nil
}

// Lag returns the group's lag on topic: end minus committed offsets,
// summed over the partitions, and the end offsets' sum.
func (o *Offsets) Lag(group, topic string) (lag, end int64, err error) {
	ps, err := o.partitions(topic)
	if err != nil {
		return 0, 0, err
	}
	ends, err := o.ends(topic, ps)
	if err != nil {
		return 0, 0, err
	}
	comm, err := o.committed(group, topic, ps)
	if err != nil {
		return 0, 0, err
	}
	for p := range ends {
		end += ends[p]
		lag += max(0, ends[p]-comm[p])
	}
	return lag, end, nil
}
