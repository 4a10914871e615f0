package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// daemon is a buildkitd the test started itself, with an empty root.
type daemon struct {
	addr    string
	sock    string
	builder string // buildx builder attached to it, created on first use
}

// startDaemon starts a buildkitd with the environment's config file and a
// fresh root; it is stopped and its root removed when the test ends.
func startDaemon(t *testing.T, e *env) *daemon {
	t.Helper()
	bin, err := exec.LookPath("buildkitd")
	if err != nil {
		t.Fatalf("e2e: buildkitd is not on PATH (eval \"$(hack/env.sh env)\"): %v", err)
	}
	cfg := filepath.Join(e.envDir, "buildkitd.toml")
	if _, err := os.Stat(cfg); err != nil {
		t.Fatalf("e2e: the environment's buildkitd config is missing: %v", err)
	}
	// A short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "mstage-e2e-bk-")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	d := &daemon{sock: filepath.Join(dir, "buildkitd.sock")}
	d.addr = "unix://" + d.sock
	logPath := filepath.Join(dir, "buildkitd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfg, "--root", root, "--addr", d.addr)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting buildkitd: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	pidFile := ""
	if e.pidDir != "" {
		pidFile = filepath.Join(e.pidDir, fmt.Sprintf("buildkitd-%d.pid", cmd.Process.Pid))
		_ = os.WriteFile(pidFile, []byte(fmt.Sprint(cmd.Process.Pid)), 0o644)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Logf("buildkitd (pid %d) did not stop after SIGTERM; killing it", cmd.Process.Pid)
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logFile.Close()
		unmountUnder(t, root)
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("removing %s: %v", dir, err)
		}
		if pidFile != "" {
			_ = os.Remove(pidFile)
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("buildkitd exited during startup:\n%s", readTail(logPath, 40))
		default:
		}
		if err := pingDaemon(d.addr); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("buildkitd at %s did not answer within 60s: %v\n%s", d.addr, err, readTail(logPath, 40))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("started a second buildkitd with an empty root at %s (pid %d)", d.addr, cmd.Process.Pid)
	return d
}

func pingDaemon(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := client.New(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	ws, err := c.ListWorkers(ctx)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		return errors.New("no workers yet")
	}
	return nil
}

// buildxBuilder returns a buildx builder (remote driver) for the daemon.
func (d *daemon) buildxBuilder(t *testing.T) string {
	t.Helper()
	if d.builder != "" {
		return d.builder
	}
	name := "mstage-e2e-" + randomHex(t, 4)
	out, err := exec.Command("docker", "buildx", "create", "--name", name, "--driver", "remote", d.addr).CombinedOutput()
	if err != nil {
		t.Fatalf("docker buildx create --driver remote %s: %v\n%s", d.addr, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "buildx", "rm", name).CombinedOutput(); err != nil {
			t.Logf("docker buildx rm %s: %v\n%s", name, err, out)
		}
	})
	d.builder = name
	return name
}

// unmountUnder lazily unmounts whatever buildkitd left mounted below dir.
func unmountUnder(t *testing.T, dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			t.Logf("unmount %s: %v", p, err)
		}
	}
}

func readTail(path string, lines int) string {
	dt, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return tail(string(dt), lines)
}
