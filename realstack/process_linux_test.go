package realstack

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const pdeathEnv = "REALSTACK_TEST_PDEATH_CHILD"

// TestParentDeathKillsChild runs this test binary again as a helper that
// starts `sleep`, then SIGKILLs the helper (as a test timeout or a crash
// would end it) and checks the sleep is gone too: no process outlives the
// test binary that started it.
func TestParentDeathKillsChild(t *testing.T) {
	if os.Getenv(pdeathEnv) != "" {
		p, err := StartProcess(ProcessConfig{Name: "sleep", Path: "/bin/sleep", Args: []string{"120"},
			LogPath: filepath.Join(os.Getenv(pdeathEnv), "sleep.log")})
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("pid " + strconv.Itoa(p.PID()) + "\n")
		time.Sleep(60 * time.Second) // killed by the parent test long before
		return
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestParentDeathKillsChild$", "-test.count=1")
	helper.Env = append(os.Environ(), pdeathEnv+"="+t.TempDir())
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })
	pids := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if pid, ok := strings.CutPrefix(sc.Text(), "pid "); ok {
				pids <- pid
				return
			}
		}
		close(pids)
	}()
	var pid string
	select {
	case p, ok := <-pids:
		if !ok {
			t.Fatal("helper exited without starting the child")
		}
		pid = p
	case <-time.After(30 * time.Second):
		t.Fatal("helper did not start the child within 30 s")
	}
	if !processAlive(pid) {
		t.Fatalf("child %s not running before the helper is killed", pid)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			_ = exec.Command("kill", "-9", pid).Run()
			t.Fatalf("child %s survived its parent by 5 s", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
