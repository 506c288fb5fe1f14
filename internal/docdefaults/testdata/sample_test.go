package sample

// Extra is declared in a test file, which docdefaults skips.
type Extra struct {
	// N counts. Default: 1.
	N int
}
