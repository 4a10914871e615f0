package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/mstage/mstage/spec"
)

// CacheID is the one place a cache mount id is built: the namespace
// (BUILDKIT_CACHE_MOUNT_NS, trusted: it comes from the client) joined with
// parts from the spec. Every part is checked with spec.CheckCacheIDPart,
// and the id must stay under the namespace. Without a namespace a single
// part is the id as written, as BuildKit's Dockerfile frontend does.
func CacheID(namespace string, parts ...string) (string, error) {
	for _, p := range parts {
		if err := spec.CheckCacheIDPart(p); err != nil {
			return "", fmt.Errorf("cache id part %q %v", p, err)
		}
	}
	if namespace == "" {
		if len(parts) == 1 {
			return parts[0], nil
		}
		return path.Join(parts...), nil
	}
	id := path.Join(append([]string{namespace}, parts...)...)
	if ns := path.Clean(namespace); id != ns && !strings.HasPrefix(id, strings.TrimSuffix(ns, "/")+"/") {
		return "", fmt.Errorf("cache id %q leaves its namespace %q", id, namespace)
	}
	return id, nil
}

// presetCacheID is the id of the preset cache mount named cacheName, under
// the client's cache namespace; a per-target cache adds the target's name.
func (r *resolver) presetCacheID(cacheName string, target ...string) (string, error) {
	if r.project == "" {
		r.project = projectName(r.src)
	}
	id, err := CacheID(r.req.CacheNamespace, append([]string{"mstage", r.project, cacheName}, target...)...)
	if err != nil {
		return "", r.errorAt(r.src.At("name"), err.Error(), "a name without .. segments")
	}
	return id, nil
}

// projectName namespaces the preset cache mounts: the spec's name, or a short
// hash of its stage names so that two unnamed projects do not share caches.
func projectName(s *spec.Spec) string {
	if s.Name != "" {
		return s.Name
	}
	h := sha256.New()
	for _, st := range s.Stages() {
		h.Write([]byte(st.Name))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
