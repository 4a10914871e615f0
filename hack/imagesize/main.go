// Command imagesize prints, for each platform of an image in a registry, the
// compressed size of its layers and their count:
//
//	imagesize 127.0.0.1:5000/examples/go-service:latest
//	linux/amd64 2 1843200
package main

import (
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: imagesize REF")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "imagesize:", err)
		os.Exit(1)
	}
}

func run(refText string) error {
	ref, err := name.ParseReference(refText, name.Insecure)
	if err != nil {
		return err
	}
	desc, err := remote.Get(ref)
	if err != nil {
		return err
	}
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return err
		}
		return printImage(img, desc.Platform)
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return err
	}
	manifest, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, m := range manifest.Manifests {
		if m.Platform == nil || m.Platform.OS == "unknown" {
			continue // attestation manifests
		}
		img, err := idx.Image(m.Digest)
		if err != nil {
			return err
		}
		if err := printImage(img, m.Platform); err != nil {
			return err
		}
	}
	return nil
}

func printImage(img v1.Image, p *v1.Platform) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	var total int64
	for _, l := range layers {
		size, err := l.Size()
		if err != nil {
			return err
		}
		total += size
	}
	platform := "unknown"
	if p != nil {
		platform = p.String()
	} else if cfg, err := img.ConfigFile(); err == nil {
		platform = cfg.OS + "/" + cfg.Architecture
	}
	fmt.Printf("%s %d %d\n", platform, len(layers), total)
	return nil
}
