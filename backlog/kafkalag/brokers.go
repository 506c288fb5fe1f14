package kafkalag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// A sarama broker holds its lock for the whole of a request, and the
// client's LeastLoadedBroker locks every broker in turn (under the client's
// own lock) to count its pending responses: one slow broker in the middle
// of a request blocks it, and everything waiting on the client's lock
// behind it, until that request ends. So a Lag never calls a sarama method
// that may take a broker's or the client's lock outside call, which
// returns when ctx is done whatever sarama does, and it picks brokers from
// its own count of requests in flight instead of LeastLoadedBroker.

// maxMetadataBrokers is how many brokers one Metadata request is sent to at
// most, on failures and on slow answers.
const maxMetadataBrokers = 3

// busy counts the requests a Lag has sent to each broker that have not
// returned yet, those its evaluations abandoned included. A broker that
// still owes an answer is slow or dead: it is asked for metadata last.
// Safe for concurrent use.
type busy struct {
	mu sync.Mutex
	n  map[*sarama.Broker]int
}

func (c *busy) add(b *sarama.Broker, d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[*sarama.Broker]int{}
	}
	if c.n[b] += d; c.n[b] <= 0 {
		delete(c.n, b)
	}
}

func (c *busy) get(b *sarama.Broker) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[b]
}

// request runs f, a request to broker b, with call, counting it as in
// flight on b until sarama returns, even after ctx is done, and as sent
// unless it never reached the broker (sarama.ErrNotConnected).
func request[T any](ctx context.Context, l *Lag, b *sarama.Broker, f func() (T, error)) (T, error) {
	return call(ctx, func() (T, error) {
		l.busy.add(b, 1)
		defer l.busy.add(b, -1)
		v, err := f()
		if !errors.Is(err, sarama.ErrNotConnected) {
			countRequest(ctx)
		}
		return v, err
	})
}

// metadataBrokers returns the brokers to ask for metadata, least busy
// first (ties by id), at most maxMetadataBrokers. A client that knows no
// broker yet (a fresh client) offers its seed broker through
// LeastLoadedBroker, which cannot block then: no request is in flight.
func (l *Lag) metadataBrokers(ctx context.Context) ([]*sarama.Broker, error) {
	brokers, err := call(ctx, func() ([]*sarama.Broker, error) { return l.client.Brokers(), nil })
	if err != nil {
		return nil, err
	}
	if len(brokers) == 0 {
		b, err := call(ctx, func() (*sarama.Broker, error) { return l.client.LeastLoadedBroker(), nil })
		if err != nil {
			return nil, err
		}
		if b == nil {
			return nil, sarama.ErrOutOfBrokers
		}
		brokers = []*sarama.Broker{b}
	}
	load := make(map[*sarama.Broker]int, len(brokers))
	for _, b := range brokers {
		load[b] = l.busy.get(b)
	}
	slices.SortFunc(brokers, func(a, b *sarama.Broker) int {
		return cmp.Or(cmp.Compare(load[a], load[b]), cmp.Compare(a.ID(), b.ID()))
	})
	return brokers[:min(len(brokers), maxMetadataBrokers)], nil
}

// hedgeDelay is how long a Metadata request may go unanswered before the
// next broker is asked as well: a quarter of the time left.
func hedgeDelay(ctx context.Context) time.Duration {
	d := DefaultTimeout
	if deadline, ok := ctx.Deadline(); ok {
		d = time.Until(deadline)
	}
	return max(d/4, time.Millisecond)
}

// metadataAnswer is one broker's answer to a Metadata request.
type metadataAnswer struct {
	b    *sarama.Broker
	resp *sarama.MetadataResponse
	err  error
}

// requestMetadata asks the least busy broker for names' metadata. When it
// fails, the next broker is asked; when it has not answered after a
// quarter of the time left, the next is asked as well (a hedged request),
// so one slow broker delays the answer by that quarter at most. The first
// answer wins. With a single broker, a failed request is repeated once
// (sarama reopens the connection). Topics are never auto-created.
func (l *Lag) requestMetadata(ctx context.Context, names []string) (*sarama.MetadataResponse, error) {
	cands, err := l.metadataBrokers(ctx)
	if err != nil {
		return nil, err
	}
	attempts := max(2, len(cands))
	answers := make(chan metadataAnswer, attempts) // buffered: a late answer never blocks
	sent, pending := 0, 0
	send := func() {
		go l.askMetadata(ctx, cands[sent%len(cands)], names, answers)
		sent++
		pending++
	}
	send()
	hedge := time.NewTimer(hedgeDelay(ctx))
	defer hedge.Stop()
	var errs []error
	for {
		select {
		case a := <-answers:
			pending--
			if a.err == nil {
				return a.resp, nil
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			l.cfg.Logger.Debug("kafkalag: metadata request failed", "broker", a.b.Addr(), "err", a.err)
			errs = append(errs, fmt.Errorf("broker %s: %w", a.b.Addr(), a.err))
			if sent < attempts {
				send()
			} else if pending == 0 {
				return nil, errors.Join(errs...)
			}
		case <-hedge.C:
			if sent < len(cands) {
				l.cfg.Logger.Debug("kafkalag: metadata request slow, asking another broker too", "brokers", sent)
				send()
				hedge.Reset(hedgeDelay(ctx))
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// askMetadata sends one Metadata request for names to b and puts the answer
// on answers.
func (l *Lag) askMetadata(ctx context.Context, b *sarama.Broker, names []string, answers chan<- metadataAnswer) {
	resp, err := request(ctx, l, b, func() (*sarama.MetadataResponse, error) {
		_ = b.Open(l.client.Config()) // reopen after a failure; ErrAlreadyConnected otherwise
		req := sarama.NewMetadataRequest(l.version(), names)
		req.AllowAutoTopicCreation = false
		return b.GetMetadata(req)
	})
	answers <- metadataAnswer{b, resp, err}
}
