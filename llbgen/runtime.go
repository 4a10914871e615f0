package llbgen

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

func (c *compiler) buildRuntime(inst *instance) error {
	r := inst.plan.Stage
	fs := &inst.fs
	names := &namer{stage: r.Name, total: len(r.Steps) + len(r.Copy)}
	if r.Workdir != "" {
		names.total++
	}
	sc := &stepCtx{inst: inst, names: names}

	if su := inst.plan.Scratch; su != nil {
		if su.Default {
			fs.setUser(su.User)
			c.history(fs, "USER "+su.User, false)
		}
		if su.WritePasswd {
			c.writePasswd(inst, su.UID, su.GID)
		}
	}
	c.applyStageConfig(sc, r)
	if err := c.runSteps(sc, inst.plan.Steps); err != nil {
		return err
	}
	for _, e := range inst.plan.CopyEntries {
		if err := c.copyStep(sc, e.Copy, e.Source, e.Copy.Pos, e.Link, plan.Step{}); err != nil {
			return err
		}
	}
	return c.applyRuntimeConfig(inst)
}

// writePasswd gives a scratch runtime an /etc/passwd and /etc/group that
// name root and the runtime's user, which many programs expect.
func (c *compiler) writePasswd(inst *instance, uid, gid int) {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\n"
	if uid != 0 {
		passwd += fmt.Sprintf("nonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", uid, gid)
	}
	group := "root:x:0:\n"
	if gid != 0 {
		group += fmt.Sprintf("nonroot:x:%d:\n", gid)
	}
	at := llb.WithCreatedTime(c.epoch)
	r := inst.plan.Stage
	name := plainName(r.Name, fmt.Sprintf("/etc/passwd for uid %d", uid))
	pos := r.At("user")
	// Writing a file bumps its directory's mtime, so the files are made
	// aside and copied in: a copy stamps every directory it creates with
	// the epoch after filling it, which keeps the layer reproducible.
	files := llb.Scratch().File(llb.Mkdir("/etc", 0o755, at).
		Mkfile("/etc/passwd", 0o644, []byte(passwd), at).
		Mkfile("/etc/group", 0o644, []byte(group), at),
		c.constraints(inst.plan.RunsOn, name, pos)...)
	epoch := c.epoch
	copyIn := llb.Copy(files, "/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, CreatedTime: &epoch})
	inst.fs.st = inst.fs.st.File(copyIn, c.constraints(inst.plan.RunsOn, name, pos)...)
	c.history(&inst.fs, "COPY /etc/passwd /etc/group /etc/", true)
}

// applyRuntimeConfig sets the runtime's entrypoint, cmd, ports, volumes,
// labels, stop signal and healthcheck.
func (c *compiler) applyRuntimeConfig(inst *instance) error {
	r := inst.plan.Stage
	fs := &inst.fs
	cfg := &fs.img.Config
	if r.Entrypoint != nil {
		cfg.Entrypoint = commandArgs(r.Entrypoint)
		if r.Cmd == nil {
			// As in a Dockerfile, a new entrypoint drops the base image's cmd.
			cfg.Cmd = nil
		}
		c.history(fs, "ENTRYPOINT "+jsonArgs(cfg.Entrypoint), false)
	}
	if r.Cmd != nil {
		cfg.Cmd = commandArgs(r.Cmd)
		c.history(fs, "CMD "+jsonArgs(cfg.Cmd), false)
	}
	for _, e := range r.Expose {
		ports, err := exposedPorts(e.Value)
		if err != nil {
			return c.errorAt(e.Pos, "%v", err)
		}
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range ports {
			cfg.ExposedPorts[p] = struct{}{}
		}
		c.history(fs, "EXPOSE "+strings.Join(ports, " "), false)
	}
	for _, v := range r.Volumes {
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		cfg.Volumes[v.Value] = struct{}{}
		c.history(fs, "VOLUME ["+v.Value+"]", false)
	}
	for _, l := range r.Labels {
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		cfg.Labels[l.Key] = l.Value
		c.history(fs, fmt.Sprintf("LABEL %s=%s", l.Key, l.Value), false)
	}
	if r.StopSignal != "" {
		cfg.StopSignal = r.StopSignal
		c.history(fs, "STOPSIGNAL "+r.StopSignal, false)
	}
	if hc := r.Healthcheck; hc != nil {
		h, err := c.healthcheck(hc)
		if err != nil {
			return err
		}
		cfg.Healthcheck = h
		c.history(fs, "HEALTHCHECK "+jsonArgs(h.Test), false)
	}
	return nil
}

func jsonArgs(args []string) string {
	return commandText(&spec.Command{Args: args})
}

// exposedPorts lists the ports of an expose value as an image config
// names them.
func exposedPorts(v string) ([]string, error) {
	r, err := spec.ParseExpose(v)
	if err != nil {
		return nil, fmt.Errorf("invalid port %q: %v", v, err)
	}
	ports := make([]string, 0, r.High-r.Low+1)
	for p := r.Low; p <= r.High; p++ {
		ports = append(ports, fmt.Sprintf("%d/%s", p, r.Proto))
	}
	return ports, nil
}

func (c *compiler) healthcheck(hc *spec.Healthcheck) (*dockerspec.HealthcheckConfig, error) {
	h := &dockerspec.HealthcheckConfig{Retries: hc.Retries}
	if hc.None {
		h.Test = []string{"NONE"}
		return h, nil
	}
	switch {
	case hc.Test == nil:
		return nil, c.errorAt(hc.Pos, "healthcheck needs test or none: true")
	case hc.Test.IsShell():
		h.Test = []string{"CMD-SHELL", hc.Test.Shell}
	default:
		h.Test = append([]string{"CMD"}, hc.Test.Args...)
	}
	durations := []struct {
		key string
		val string
		dst *time.Duration
	}{
		{"interval", hc.Interval, &h.Interval},
		{"timeout", hc.Timeout, &h.Timeout},
		{"start-period", hc.StartPeriod, &h.StartPeriod},
		{"start-interval", hc.StartInterval, &h.StartInterval},
	}
	for _, d := range durations {
		if d.val == "" {
			continue
		}
		v, err := spec.ParseDuration(d.val)
		if err != nil {
			return nil, c.errorAt(hc.At(d.key), "invalid healthcheck %s %q; expected a duration such as 30s", d.key, d.val)
		}
		*d.dst = v
	}
	return h, nil
}

func mergeLabels(img *dockerspec.DockerOCIImage, labels map[string]string) {
	if len(labels) == 0 {
		return
	}
	if img.Config.Labels == nil {
		img.Config.Labels = map[string]string{}
	}
	maps.Copy(img.Config.Labels, labels)
}
