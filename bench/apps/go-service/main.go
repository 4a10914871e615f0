// Command go-service is the Go application of the benchmarks: a small HTTP
// service with two module dependencies (a router and a UUID generator).
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// greeting is the string the source-change scenario of bench/run.sh edits.
const greeting = "hello from go-service"

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: newRouter(), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}

func newRouter() http.Handler {
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"message": greeting, "request": uuid.NewString()})
	})
	r.Get("/items/{id}", func(w http.ResponseWriter, req *http.Request) {
		id, err := uuid.Parse(chi.URLParam(req, "id"))
		if err != nil {
			http.Error(w, "id is not a UUID", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]string{"id": id.String(), "version": id.Version().String()})
	})
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	return r
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}
