package llbgen

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/llbgen/llbtest"
)

// nodeInstall finds the preset's install exec: the one whose command picks
// the package manager.
func nodeInstall(t *testing.T, g *llbtest.Graph, flag string) *llbtest.Op {
	t.Helper()
	for _, o := range g.Execs() {
		cmd := o.GetExec().Meta.Args[2]
		if strings.Contains(cmd, "NODE_PACKAGE_MANAGER") && strings.Contains(cmd, "npm ci"+flag+";;") {
			return o
		}
	}
	t.Fatalf("no install exec with npm ci%s; ops: %q", flag, g.Names())
	return nil
}

func TestNodeInstallRunsOnBuildPlatformManifestsFirst(t *testing.T) {
	_, g := build(t, "node.yaml", "build", arm64)
	install := nodeInstall(t, g, "")
	if got := platformOf(install); got != "linux/amd64" {
		t.Errorf("install runs on %s, want the build platform linux/amd64", got)
	}
	if got := install.GetExec().Meta.Cwd; got != "/app" {
		t.Errorf("install cwd = %q, want /app", got)
	}
	for target, id := range map[string]string{"/root/.npm": "mstage/web/npm", "/root/.local/share/pnpm/store": "mstage/web/pnpm", "/root/.cache/yarn": "mstage/web/yarn"} {
		m := llbtest.Mount(install, target)
		if m == nil || m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != id {
			t.Errorf("cache mount at %s = %v, want id %s", target, m, id)
		}
	}
	if env := llbtest.Env(install); env["npm_config_cache"] != "/root/.npm" || env["YARN_CACHE_FOLDER"] != "/root/.cache/yarn" {
		t.Errorf("install env = %v", env)
	}
	// package.json and the lockfiles, then the install, then the sources.
	manifests := g.Input(install, 0)
	if manifests == nil || manifests.GetFile() == nil {
		t.Fatal("the install does not run on the manifest copy")
	}
	var srcs []string
	for _, a := range manifests.GetFile().Actions {
		srcs = append(srcs, a.GetCopy().Src)
	}
	if !slices.Equal(srcs, []string{"/package.jso[n]", "/package-lock.jso[n]", "/npm-shrinkwrap.jso[n]", "/pnpm-lock.yam[l]", "/yarn.loc[k]", "/.npmr[c]", "/.yarnr[c]", "/.pnpmfile.cj[s]"}) {
		t.Errorf("manifest sources = %q", srcs)
	}
	run := g.ExecContaining("npm run build")
	if run == nil || platformOf(run) != "linux/amd64" {
		t.Fatalf("npm run build is missing or not on the build platform; ops: %q", g.Names())
	}
	if whole := g.Input(run, 0); whole.GetFile() == nil || g.Input(whole, 0) != install {
		t.Error("the whole-context copy does not follow the install")
	}
	wantNames := []string{
		"[build 1/4] COPY package.json package-lock.json npm-shrinkwrap.json pnpm-lock.yaml yarn.lock .npmrc .yarnrc .pnpmfile.cjs ./",
		"[build 2/4] RUN install dependencies (npm ci, pnpm or yarn by lockfile)",
		"[build 3/4] COPY . ./",
		"[build 4/4] RUN npm run build",
	}
	for _, n := range wantNames {
		if !slices.Contains(g.Names(), n) {
			t.Errorf("no vertex named %q; names: %q", n, g.Names())
		}
	}
}

func TestNodeArtifactIsTheSameForEveryTarget(t *testing.T) {
	_, amd := build(t, "node.yaml", "build", amd64)
	_, arm := build(t, "node.yaml", "build", arm64)
	a, b := amd.ExecContaining("npm run build"), arm.ExecContaining("npm run build")
	if a.Digest != b.Digest {
		t.Errorf("npm run build differs between linux/amd64 and linux/arm64: %q / %q", llbtest.Env(a), llbtest.Env(b))
	}
}

func TestNodeProductionDependencies(t *testing.T) {
	res, g := build(t, "node.yaml", "prod-deps", arm64)
	install := nodeInstall(t, g, " --omit=dev")
	if got := platformOf(install); got != "linux/amd64" {
		t.Errorf("production install runs on %s, want linux/amd64", got)
	}
	if m := llbtest.Mount(install, "/root/.npm"); m == nil || m.CacheOpt.ID != "mstage/web/npm" {
		t.Errorf("production install has no npm cache mount")
	}
	if manifests := g.Input(install, 0); manifests == nil || manifests.GetFile() == nil || manifests.GetFile().Actions[0].GetCopy().Dest != "/app/" {
		t.Errorf("the production install does not run on the manifests copied into /app")
	}
	// node_modules is guarded: a native addon built for the wrong machine fails the build.
	if len(res.Guards) != 1 || !slices.Equal(res.Guards[0].Paths, []string{"/node_modules"}) || res.Guards[0].Platform.Architecture != "arm64" {
		t.Errorf("guards = %+v, want /node_modules for arm64", res.Guards)
	}
}

func TestNodeNativeInstallRunsPerTarget(t *testing.T) {
	_, g := build(t, "node.yaml", "native-deps", arm64)
	if got := platformOf(nodeInstall(t, g, " --omit=dev")); got != "linux/arm64" {
		t.Errorf("with platform: target the install runs on %s, want linux/arm64", got)
	}
}
