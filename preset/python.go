package preset

import ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

// PythonVenv is where the python preset builds the virtual environment
// that a runtime copies whole.
const PythonVenv = "/opt/venv"

func pythonPreset() *Preset {
	return &Preset{
		Name: "python",
		// Pure-Python packages are the same on every platform: the venv is
		// built on the build platform. A builder with platform: target
		// builds it per target, for packages with compiled parts.
		CrossCompiles:   true,
		PortableOutputs: true,
		DefaultEnv: []EnvVar{
			{"VIRTUAL_ENV", PythonVenv},
			{"PATH", PythonVenv + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			{"PIP_CACHE_DIR", "/root/.cache/pip"},
			{"PIP_DISABLE_PIP_VERSION_CHECK", "1"},
			{"PIP_NO_INPUT", "1"},
		},
		Caches: []CacheMount{
			{Name: "pip", Target: "/root/.cache/pip", Sharing: "shared"},
		},
		Manifests: []string{"requirements.txt"},
		// Local paths (./pkg, -e ./pkg) come with the sources: a
		// requirements.txt that names one is installed after the copy.
		Fetch:    []string{"grep", "-qE", `'^[[:space:]]*(-e[[:space:]]+)?[./]'`, "requirements.txt", "||", "pip", "install", "-r", "requirements.txt"},
		Triggers: []string{"pip install", "python -m pip install", "python3 -m pip install"},
		Setup: func(_, _ ocispecs.Platform) (string, error) {
			return "[ -x " + PythonVenv + "/bin/python ] || python3 -m venv " + PythonVenv, nil
		},
	}
}
