// Package slotalloc places the subtasks of a Flink job onto TaskManager
// slots: evenly when the job holds many independent pipelines, and moving
// few subtasks when the job is rescaled.
//
// # Model
//
// A Request lists the job's vertices (id, parallelism, slot-sharing group,
// optional per-subtask weights such as Kafka partitions or backlog), the
// TaskManagers (id, slots) and optionally the Previous plan. A Plan maps
// every subtask, vertex by vertex, to a Slot: a TaskManager and a slot
// index. Flink's slot-sharing rules hold in every plan: subtasks of
// different vertices of one slot-sharing group may share a slot, a slot
// holds at most one subtask of each vertex, and vertices of different
// groups never share a slot. A group therefore needs at least its largest
// parallelism in slots, and a request whose groups together need more
// slots than its TaskManagers offer is invalid. Invalid requests (no
// TaskManagers, a TaskManager without slots, empty or duplicate ids,
// parallelism below 1, negative, NaN or infinite weights, weights not one
// per subtask, weights adding up to more than a float64 holds, ids that
// are not UTF-8) and requests beyond the package's limits (MaxSlots,
// MaxParallelism, MaxSubtasks, MaxTaskManagerVertices, MaxIDLength:
// generous for real clusters, and checked before anything is allocated in
// proportion to a slot count or parallelism) make Allocate return an error
// wrapping ErrInvalidRequest, never panic.
// Verify checks a plan against these rules; Evaluate also measures it
// (Stats).
//
// # Allocators
//
// Allocator has one method, Allocate; AllocatorFunc adapts a function.
// Three implementations ship:
//
//   - FlinkDefault models Flink's adaptive scheduler without balancing:
//     execution slot-sharing group i holds subtask i of every vertex, and
//     the groups take free slots in order. Vertices of parallelism 6 and 3
//     on 3 TaskManagers x 2 slots put 4, 3 and 2 subtasks on the
//     TaskManagers; a job of many small pipelines piles onto the first
//     TaskManagers and leaves the last ones idle.
//   - TaskBalanced models FLIP-370 (taskmanager.load-balance.mode: TASKS,
//     Flink 2.x): subtasks dealt round-robin over the execution
//     slot-sharing groups, which then go, largest first, to the
//     TaskManager with the fewest tasks among the slots the job was
//     granted. Its balance is only as fine as one such group, and it never
//     reaches TaskManagers the job needs no slots of.
//   - Default, this package's own, defined below.
//
// # Against real Flink
//
// The real tier (realstack_test.go; figures in docs/slotalloc-placement.md)
// runs a two-pipeline job on 4 TaskManagers x 2 slots, as submitted (2
// slots needed) and rescaled in place to unequal parallelisms (all 8),
// and reads every subtask's TaskManager from the REST API. Flink's
// resource manager grants a job's slots first fit, filling one
// TaskManager before the next, with or without TASKS: a job that needs
// fewer slots than the cluster has runs on the fewest TaskManagers, and
// task balancing only balances among those (TaskBalanced spread such a
// job over more TaskManagers until the real tier showed otherwise; it now
// uses the first-fit slots, as FlinkDefault always did). TaskBalanced's
// subtasks per TaskManager matched Flink 2.2.1 exactly (up to relabelling
// the TaskManagers, whose order is Flink's own). FlinkDefault's slots per
// TaskManager matched Flink 1.20.5, but Flink pairs execution slot-sharing
// groups with those slots in a hash order, so its subtasks per
// TaskManager are exact only for groups of equal size; otherwise it is the
// extreme pairing, the real one lies within its largest and smallest
// counts. Neither predicts which subtask runs where beyond that.
// Default, which spreads a group over more slots than its parallelism,
// has no Flink counterpart to measure against.
//
// FlinkDefault and TaskBalanced ignore weights and the previous plan, as
// Flink does: a rescale re-places everything. All three are deterministic:
// the same request gives the same plan.
//
// # Default: balance, then stickiness, then weight
//
// Default may spread a slot-sharing group over more slots than its largest
// parallelism (subtasks of one group may share a slot but need not): every
// slot serves a group, each group getting at least its largest parallelism
// and the spare slots in proportion to its task count; a slot keeps the
// group it served in the previous plan while the group's quota lasts. A
// TaskManager can then run at most as many subtasks of a vertex as it has
// slots of the vertex's group. Within those limits Default's plan is, in
// order of priority:
//
//  1. Balanced by task count: with T subtasks on n TaskManagers, every
//     TaskManager runs floor(T/n) or ceil(T/n) subtasks whenever the slots
//     (as dedicated to groups) allow it. When slots cap some TaskManagers
//     below that, the others share the rest as evenly (levels found by
//     water-filling). This is exact, not best effort: a subtask the greedy
//     placement cannot fit is placed along an augmenting path, so a plan
//     within the levels is found whenever one exists.
//  2. Sticky: given Request.Previous, few subtasks change TaskManager:
//     exactly MoveLowerBound on the seed's shape, and within 1.05 x the
//     true minimum plus one on the tests' random rescales (unless weights
//     call for swaps, point 3). Balance wins over stickiness, as in Kafka's
//     sticky assignor: a TaskManager above ceil(T/n) sheds subtasks even
//     though they could stay. The extra ceil(T/n) places go to the
//     TaskManagers that already hold the most, and those that shed take an
//     evenly spaced sample of their subtasks so every vertex stays spread
//     and the moved subtasks weigh about their share.
//  3. Balanced by weight: a TaskManager's fair share of the total weight is
//     the total times its share of the subtasks. Subtasks that must be
//     placed go heaviest first to the TaskManager with the lowest
//     projected weight. Then, while a TaskManager exceeds its share by
//     more than DefaultConfig.WeightSlack (default 5%), Default swaps subtasks
//     between it and lighter TaskManagers, keeping every count: swaps
//     that add no move (a subtask returning where it was, or two that
//     moved anyway), and, only if it exceeds its share by WeightSlack
//     plus the largest subtask weight, swaps that add moves. That far,
//     and only that far, weight wins over stickiness.
//
// Ties break by request order (TaskManagers, then vertices, then subtask
// index). A subtask that keeps its TaskManager may change slot on it:
// Flink redeploys every task on a rescale anyway, and what a subtask
// keeps by staying (local state, local recovery files) lives per
// TaskManager.
//
// # Bounds
//
// Stats reports, next to the plan's figures, how far from optimal it can
// be. LowerBoundMaxTasks is ceil(T/n). MoveLowerBound is the fewest moves
// of any plan whose counts differ by at most one: every subtask whose
// TaskManager is gone moves; a surviving TaskManager that ran k of the
// subtasks sheds k minus its allowance, the T mod n allowances of
// ceil(T/n) going to the survivors with the largest k. It ignores slots:
// when a vertex already fills its slots on every TaskManager with room,
// the true minimum is larger (the tests compute it exactly by min-cost
// flow on small instances).
//
// # Cost
//
// With S subtasks, V vertices and n TaskManagers, Default takes
// O(S log S + n x V) time and O(S + n x V) memory, using slices, not
// per-subtask maps, plus O(n x V) at worst for each subtask the greedy
// placement cannot fit (rare with equal TaskManagers) and at most 16
// weight swaps per TaskManager. That is 70-90 ms for the seed's 301,501 subtasks of 3,000
// vertices on 64 TaskManagers, fresh or rescaled; unequal TaskManagers or
// weights far from the previous plan's took up to about half a second
// (BENCHMARKS.md, BenchmarkDefaultShapes). FlinkDefault and TaskBalanced
// are linear, about 10 ms.
//
// # Concurrency
//
// Allocators hold no mutable state and are safe for concurrent use; the
// functions are pure. Requests and plans are read, never modified, and a
// plan shares no memory with its request. Package slotalloctest is a
// conformance suite any Allocator can run.
//
// This package imports only the standard library.
//
//	req := slotalloc.Request{Vertices: vertices, TaskManagers: tms, Previous: current}
//	plan, err := (&slotalloc.Default{}).Allocate(req)
//	if err != nil {
//		return err // wraps slotalloc.ErrInvalidRequest
//	}
//	stats, _ := slotalloc.Evaluate(req, plan) // Spread, Moved, LowerBoundMoves, ...
package slotalloc
