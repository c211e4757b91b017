package fixtures

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

func Upload(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body) // want "unbounded-read"
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Write(data)
}

// A handler registered as a closure, with other parameter names.
func Routes(mux *http.ServeMux) {
	mux.HandleFunc("/echo", func(rw http.ResponseWriter, req *http.Request) {
		buf := new(bytes.Buffer)
		io.Copy(buf, req.Body) // want "unbounded-read"
		rw.Write(buf.Bytes())
	})
}

// The request with another context shares its body.
func WithCtx(w http.ResponseWriter, r *http.Request) {
	r2 := r.WithContext(r.Context())
	b, _ := io.ReadAll(r2.Body) // want "unbounded-read"
	w.Write(b)
}

// ---- Look-alikes that must stay quiet ----

// The idiomatic bound, set before the read.
func Bounded(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	w.Write(data)
}

// Bounded inline.
func Inline(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	w.Write(data)
}

// The body replaced by an in-memory copy before being read again.
func Replay(w http.ResponseWriter, r *http.Request, saved []byte) {
	r.Body = io.NopCloser(bytes.NewReader(saved))
	data, _ := io.ReadAll(r.Body)
	w.Write(data)
}

// Streaming: decoding, echoing to the response, discarding.
func Stream(w http.ResponseWriter, r *http.Request) {
	var v map[string]any
	json.NewDecoder(r.Body).Decode(&v)
	io.Copy(w, r.Body)
	io.Copy(io.Discard, r.Body)
}

// A recorder's Body is a bytes.Buffer already in memory.
type recorder struct{ Body *bytes.Buffer }

func Recorded(rec *recorder) []byte {
	b, _ := io.ReadAll(rec.Body)
	return b
}
