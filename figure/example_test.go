package figure_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/figure"
)

func Example() {
	lag := figure.Known(90 * time.Second)
	bytes := figure.Unknown[int64]("no record size observed")

	// An unknown figure has no value to use: never take it for 0.
	if v, ok := lag.Value(); ok {
		fmt.Println("lag:", v)
	}
	if _, ok := bytes.Value(); !ok {
		fmt.Println("bytes unknown:", bytes.Reason())
	}
	fmt.Println(bytes)
	fmt.Println(figure.Figure[bool]{}) // the zero Figure

	b, _ := json.Marshal(map[string]any{"lag": lag, "bytes": bytes})
	fmt.Println(string(b))
	// Output:
	// lag: 1m30s
	// bytes unknown: no record size observed
	// unknown (no record size observed)
	// unknown (not given)
	// {"bytes":{"unknown":"no record size observed"},"lag":{"value":90000000000}}
}
