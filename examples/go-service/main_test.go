package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	srv := httptest.NewServer(newMux())
	defer srv.Close()

	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/", http.StatusOK, "Hello from go-service!"},
		{"/healthz", http.StatusOK, "ok"},
		{"/version", http.StatusOK, "dev "},
		{"/missing", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		if !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s: body %q does not contain %q", tt.path, body, tt.body)
		}
	}
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(newMux())
	defer srv.Close()
	if err := probe(strings.TrimPrefix(srv.URL, "http://")); err != nil {
		t.Fatalf("probe of a healthy server: %v", err)
	}
	srv.Close()
	if err := probe(strings.TrimPrefix(srv.URL, "http://")); err == nil {
		t.Fatal("probe of a closed server succeeded")
	}
}
