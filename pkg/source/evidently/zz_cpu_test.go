//go:build evbench

package evidently

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestPerFileCPU(t *testing.T) {
	paths, data, _ := benchFiles(t)
	for i, d := range data {
		n := 100
		c0 := cpuSeconds()
		for k := 0; k < n; k++ {
			Parse(d, time.Time{})
		}
		c := cpuSeconds() - c0
		fmt.Printf("GO %s %.0f\n", filepath.Base(paths[i]), float64(len(d)*n)/c/1e6)
	}
}
