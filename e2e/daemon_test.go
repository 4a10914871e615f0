package e2e

import (
	"bufio"
	"context"
	"encoding/json"
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

	root    string // --root, kept when the daemon is restarted
	config  string // --config
	logPath string // every run of the daemon appends to it
	pidDir  string
	proc    *daemonProcess // nil after kill
}

// daemonProcess is one run of a daemon's buildkitd.
type daemonProcess struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	logFile *os.File
	pidFile string
}

// daemonOptions changes how startDaemonWith configures a daemon.
type daemonOptions struct {
	// extraConfig is TOML appended to the environment's buildkitd.toml,
	// e.g. a [registry."HOST"] table.
	extraConfig string
}

// startDaemon starts a buildkitd with the environment's config file and a
// fresh root; it is stopped and its root removed when the test ends.
func startDaemon(t *testing.T, e *env) *daemon {
	t.Helper()
	return startDaemonWith(t, e, daemonOptions{})
}

// startDaemonWith is startDaemon with options. The daemon can be killed and
// restarted on the same root and address; the cleanup stops whichever run is
// current and removes the root.
func startDaemonWith(t *testing.T, e *env, opts daemonOptions) *daemon {
	t.Helper()
	cfg := filepath.Join(e.envDir, "buildkitd.toml")
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatalf("e2e: the environment's buildkitd config is missing: %v", err)
	}
	// A short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "mstage-e2e-bk-")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{
		sock:    filepath.Join(dir, "buildkitd.sock"),
		root:    filepath.Join(dir, "root"),
		config:  cfg,
		logPath: filepath.Join(dir, "buildkitd.log"),
		pidDir:  e.pidDir,
	}
	d.addr = "unix://" + d.sock
	t.Cleanup(func() {
		d.stop(t)
		d.deleteLeftoverSteps(t)
		unmountUnder(t, d.root)
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("removing %s: %v", dir, err)
		}
	})
	if opts.extraConfig != "" {
		d.config = filepath.Join(dir, "buildkitd.toml")
		merged := string(base) + "\n# added by the test\n" + opts.extraConfig + "\n"
		if err := os.WriteFile(d.config, []byte(merged), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.launch(t)
	t.Logf("started a second buildkitd with an empty root at %s (pid %d)", d.addr, d.proc.cmd.Process.Pid)
	return d
}

// launch starts buildkitd on d's root and address and waits until it
// answers.
func (d *daemon) launch(t *testing.T) {
	t.Helper()
	bin, err := exec.LookPath("buildkitd")
	if err != nil {
		t.Fatalf("e2e: buildkitd is not on PATH (eval \"$(hack/env.sh env)\"): %v", err)
	}
	logFile, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", d.config, "--root", d.root, "--addr", d.addr)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("starting buildkitd: %v", err)
	}
	p := &daemonProcess{cmd: cmd, exited: make(chan struct{}), logFile: logFile}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	if d.pidDir != "" {
		p.pidFile = filepath.Join(d.pidDir, fmt.Sprintf("buildkitd-%d.pid", cmd.Process.Pid))
		_ = os.WriteFile(p.pidFile, []byte(fmt.Sprint(cmd.Process.Pid)), 0o644)
	}
	d.proc = p

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-p.exited:
			t.Fatalf("buildkitd exited during startup:\n%s", readTail(d.logPath, 40))
		default:
		}
		if err := pingDaemon(d.addr); err == nil {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("buildkitd at %s did not answer within 60s: %v\n%s", d.addr, err, readTail(d.logPath, 40))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the current run of buildkitd, if any: SIGTERM, then SIGKILL
// when it does not exit within 20s.
func (d *daemon) stop(t *testing.T) {
	p := d.proc
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Logf("buildkitd (pid %d) did not stop after SIGTERM; killing it", p.cmd.Process.Pid)
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.release()
	d.proc = nil
}

// kill ends buildkitd with SIGKILL, the way a crash or an OOM kill does,
// and waits until it is gone. Its root, socket file and buildx builder stay.
func (d *daemon) kill(t *testing.T) {
	t.Helper()
	p := d.proc
	if p == nil {
		t.Fatal("kill: buildkitd is not running")
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing buildkitd (pid %d): %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("buildkitd (pid %d) had not exited 10s after SIGKILL", p.cmd.Process.Pid)
	}
	p.release()
	d.proc = nil
}

// restart starts buildkitd again on the same root, config and address after
// kill.
func (d *daemon) restart(t *testing.T) {
	t.Helper()
	if d.proc != nil {
		t.Fatal("restart: buildkitd is still running")
	}
	// A killed daemon leaves its socket file behind.
	if err := os.Remove(d.sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	d.launch(t)
	t.Logf("restarted buildkitd on root %s at %s (pid %d)", d.root, d.addr, d.proc.cmd.Process.Pid)
}

// runcContainer is an entry of runc list.
type runcContainer struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
	Bundle string `json:"bundle"`
}

// leftoverSteps lists the runc containers of d's steps (their bundles are
// below its root). A buildkitd killed with SIGKILL leaves the step it was
// running behind: runc dies with it, the container does not.
func (d *daemon) leftoverSteps(t *testing.T) []runcContainer {
	t.Helper()
	bin, err := exec.LookPath("runc")
	if err != nil {
		return nil
	}
	out, err := exec.Command(bin, "list", "--format", "json").Output()
	if err != nil {
		t.Logf("runc list: %v", err)
		return nil
	}
	var all []runcContainer // runc prints null when there are none
	if err := json.Unmarshal(out, &all); err != nil {
		t.Logf("runc list: %v\n%s", err, out)
		return nil
	}
	var mine []runcContainer
	for _, c := range all {
		if strings.HasPrefix(c.Bundle, d.root+"/") {
			mine = append(mine, c)
		}
	}
	return mine
}

// deleteLeftoverSteps force-deletes d's leftover step containers: runc kills
// their processes and removes their state and cgroups.
func (d *daemon) deleteLeftoverSteps(t *testing.T) []runcContainer {
	t.Helper()
	left := d.leftoverSteps(t)
	for _, c := range left {
		if out, err := exec.Command("runc", "delete", "--force", c.ID).CombinedOutput(); err != nil {
			t.Logf("runc delete --force %s: %v\n%s", c.ID, err, out)
		}
	}
	return left
}

func (p *daemonProcess) release() {
	_ = p.logFile.Close()
	if p.pidFile != "" {
		_ = os.Remove(p.pidFile)
	}
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
	out, err := exec.Command("buildx", "create", "--name", name, "--driver", "remote", d.addr).CombinedOutput()
	if err != nil {
		t.Fatalf("buildx create --driver remote %s: %v\n%s", d.addr, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("buildx", "rm", name).CombinedOutput(); err != nil {
			t.Logf("buildx rm %s: %v\n%s", name, err, out)
		}
	})
	d.builder = name
	return name
}

// unmountUnder lazily unmounts whatever buildkitd left mounted below dir, and
// mounts elsewhere whose source or overlay layers are below dir: a killed
// daemon can leave a snapshot bind-mounted on /tmp/buildkit-mount*, whose
// empty mount point is removed too.
func unmountUnder(t *testing.T, dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 4 && strings.Contains(line, dir+"/") {
			points = append(points, fields[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			t.Logf("unmount %s: %v", p, err)
			continue
		}
		if !strings.HasPrefix(p, dir+"/") {
			t.Logf("unmounted %s, left behind by the buildkitd on %s", p, dir)
			_ = os.Remove(p)
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
