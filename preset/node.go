package preset

// Where the package managers keep their caches: one cache mount each. The
// env pins them, so a user other than root uses the same directories.
const (
	npmCache  = "/root/.npm"
	pnpmStore = "/root/.local/share/pnpm/store"
	yarnCache = "/root/.cache/yarn"
)

// nodeInstall picks the package manager from the lockfile, unless
// NODE_PACKAGE_MANAGER names it, and installs exactly what the lockfile
// says; production adds the flags that leave out devDependencies.
func nodeInstall(production bool) string {
	npm, pnpm, yarn := "npm ci", "pnpm install --frozen-lockfile", "yarn install --frozen-lockfile"
	if production {
		npm += " --omit=dev"
		pnpm += " --prod"
		yarn += " --production"
	}
	return `{ pm="${NODE_PACKAGE_MANAGER:-}"; ` +
		`if [ -z "$pm" ]; then if [ -f pnpm-lock.yaml ]; then pm=pnpm; elif [ -f yarn.lock ]; then pm=yarn; else pm=npm; fi; fi; ` +
		`case "$pm" in npm) ` + npm + `;; pnpm) ` + pnpm + `;; yarn) ` + yarn + `;; ` +
		`*) echo "NODE_PACKAGE_MANAGER=$pm: want npm, pnpm or yarn" >&2; exit 1;; esac; }`
}

func nodePreset() *Preset {
	return &Preset{
		Name:            "node",
		PortableOutputs: true,
		DefaultEnv: []EnvVar{
			{"npm_config_cache", npmCache},
			{"npm_config_store_dir", pnpmStore},
			{"YARN_CACHE_FOLDER", yarnCache},
			{"npm_config_update_notifier", "false"},
			{"npm_config_fund", "false"},
			{"npm_config_audit", "false"},
		},
		Caches: []CacheMount{
			{Name: "npm", Target: npmCache, Sharing: "shared"},
			{Name: "pnpm", Target: pnpmStore, Sharing: "shared"},
			{Name: "yarn", Target: yarnCache, Sharing: "locked"},
		},
		// .yarnrc is yarn 1's .npmrc; pnpm's lockfile records the
		// checksum of .pnpmfile.cjs, so a frozen install needs it.
		Manifests:       []string{"package.json", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", ".npmrc", ".yarnrc", ".pnpmfile.cjs"},
		Fetch:           []string{nodeInstall(false)},
		FetchProduction: []string{nodeInstall(true)},
		FetchDisplay:    "install dependencies (npm ci, pnpm or yarn by lockfile)",
		Triggers:        []string{"npm", "npx", "pnpm", "yarn", "node"},
	}
}
