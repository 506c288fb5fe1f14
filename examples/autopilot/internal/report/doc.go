// Package report renders what the autopilot shows its user: a status line
// per controller tick, an end-of-run summary, and files in an output
// directory. It is internal to examples/autopilot. It uses only the
// standard library and does no I/O of its own beyond the writers and the
// directory it is given.
//
// # The model
//
// The demo records one Sample per controller tick: each pipeline's in- and
// out-rates, Kafka backlog, time lag and parallelism, the job's slots and
// state, and the controller's decision. A figure that was not measured has
// its Known flag false (and a reason): it is printed as "?", drawn as a
// gap and left out of the JSON, never shown as 0. A scale decision is
// either carried out (Applied: "rescaled") or, in a dry run, only recorded
// (DryRun: "would rescale"); the two are never counted, charted or printed
// as one another. Summarize turns the samples into the figures of a
// Summary (ticks, rescales, the rescales a dry run would have made, time
// over the SLO, slot-seconds while the job held slots, peak slots, max lag,
// and how often the lag was unknown); the demo adds the record accounting,
// the placement comparison, the checkpoint findings and the drain's
// outcome.
//
// # Output
//
//   - StatusHeader and StatusLines render the samples as fixed-width
//     columns under a header, one line per tick and a second, indented one
//     for a decision that says something new, each at most MaxStatusLine
//     (120) runes, for the terminal.
//   - WriteSummary writes a Summary as a human block of about a dozen lines.
//   - WriteChart writes the samples as a self-contained SVG: three stacked
//     panels (time lag with the SLO, throughput, parallelism) sharing the x
//     axis of the run's seconds (with the production time they stand for
//     when time is compressed), rescales marked by dotted lines and a dry
//     run's would-be rescales by dashed ones.
//
// # The output directory
//
// OpenRun creates a run's own directory under a root shared by runs
// (root/run-YYYYMMDD-HHMMSS, exclusively), OpenDir a given one; Dir writes
// three files in it (the demo adds ticks.jsonl, a Sample per line), every
// duration a number of seconds under a key ending in "Seconds":
//
//   - decisions.jsonl: every controller decision, one JSON object (a
//     Decision) per line, appended as the run goes, so that a run killed
//     midway still leaves its decisions; jq '.summary' lists them.
//   - chart.svg: the chart of the run (WriteChart), written by Finish.
//   - summary.json: the Summary, indented, written by Finish
//     (jq '.sloViolationSeconds'; null when the lag was never known).
//
// Finish writes chart.svg and summary.json atomically (a temporary file
// renamed into place) and closes decisions.jsonl.
//
// # Concurrency
//
// StatusHeader, StatusLines, WriteSummary, WriteChart, Summarize and
// Humanize are pure functions of their arguments. A Dir is safe for concurrent use: the
// controller may log decisions from several goroutines.
//
// # Example
//
//	dir, err := report.OpenRun("out", time.Now())
//	if err != nil {
//		return err
//	}
//	defer dir.Close()
//	for tick := range ticks {
//		for _, l := range report.StatusLines(tick.Sample) {
//			fmt.Println(l)
//		}
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
