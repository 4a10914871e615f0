package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"path"

	"github.com/mstage/mstage/spec"
)

// cacheID namespaces the id of a cache mount written in the spec with
// BUILDKIT_CACHE_MOUNT_NS.
func cacheID(id, namespace string) string {
	if namespace == "" {
		return id
	}
	return path.Join(namespace, id)
}

// presetCacheID is the id of the preset cache mount named cacheName in the
// builds of s, under the client's cache namespace.
func presetCacheID(s *spec.Spec, cacheName, namespace string) string {
	return path.Join(namespace, "mstage", projectName(s), cacheName)
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
