// Package report renders what the autopilot demo shows its user: one status
// line per controller tick, an end-of-run summary, and files in an output
// directory. It uses only the standard library and does no I/O of its own
// beyond the writers and the directory it is given.
//
// # The model
//
// The demo records one Sample per controller tick: each pipeline's in- and
// out-rates, Kafka backlog, time lag and parallelism, the job's slots and
// the controller's decision. A figure that was not measured has its Known
// flag false: it is printed as "?" and drawn as a gap, never as 0.
// Summarize turns the samples into the figures of a Summary (ticks,
// rescales, time over the SLO, slot-seconds, peak slots, max lag); the
// demo adds the record accounting, the placement comparison, the checkpoint
// findings and the drain's outcome.
//
// # Output
//
//   - StatusLine renders a Sample as one bounded line of fixed-width
//     columns (at most MaxStatusLine runes) for the terminal.
//   - WriteSummary writes a Summary as a human block of about a dozen lines.
//   - WriteChart writes the samples as a self-contained SVG: three stacked
//     panels (time lag with the SLO, throughput, parallelism) sharing the x
//     axis of elapsed wall seconds, with rescales marked by dotted lines.
//
// # The output directory
//
// OpenDir creates the directory; Dir writes three files in it:
//
//   - decisions.jsonl: every controller decision, one JSON object (a
//     Decision) per line, appended as the run goes, so that a run killed
//     midway still leaves its decisions. Elapsed is in nanoseconds, as
//     time.Duration marshals; jq '.summary' lists them.
//   - chart.svg: the chart of the run (WriteChart), written by Finish.
//   - summary.json: the Summary, indented, written by Finish; durations are
//     numbers of seconds under keys ending in "Seconds"
//     (jq '.sloViolationSeconds').
//
// Finish writes chart.svg and summary.json atomically (a temporary file
// renamed into place) and closes decisions.jsonl.
//
// # Concurrency
//
// StatusLine, WriteSummary, WriteChart, Summarize and Humanize are pure
// functions of their arguments. A Dir is safe for concurrent use: the
// controller may log decisions from several goroutines.
//
// # Example
//
//	dir, err := report.OpenDir("out")
//	if err != nil {
//		return err
//	}
//	defer dir.Close()
//	for tick := range ticks {
//		fmt.Println(report.StatusLine(tick.Sample))
//		samples = append(samples, tick.Sample)
//		if err := dir.Decision(tick.Decision); err != nil {
//			return err
//		}
//	}
//	sum := report.Summarize(samples, slo)
//	sum.Mode, sum.Job, sum.TimeScale = report.ModeEmbedded, "autopilot", 30
//	report.WriteSummary(os.Stdout, sum)
//	return dir.Finish(samples, sum, report.ChartOptions{Title: "autopilot", SLO: slo})
package report
