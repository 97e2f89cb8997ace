// Command verify checks minshare's ledger output with Go's golang.org/x/mod/sumdb packages, an
// implementation minshare shares no code with. It reads a JSON request on stdin and writes one
// JSON result: for every case, whether Go accepted it, and whether Go's own proofs (from a tree
// Go builds itself from the entries) are byte-identical to minshare's.
//
// Build (Debian golang-go + golang-golang-x-mod-dev, no network):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o verify verify.go
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Leaf  string   `json:"leaf"` // base64 of the entry bytes (Go hashes them itself)
	Path  []string `json:"path"`
	Root  string   `json:"root"`
}

type consistency struct {
	First      int64    `json:"first"`
	Second     int64    `json:"second"`
	FirstRoot  string   `json:"first_root"`
	SecondRoot string   `json:"second_root"`
	Path       []string `json:"path"`
}

type request struct {
	Vkey        string        `json:"vkey"`
	Origin      string        `json:"origin"`
	Notes       []string      `json:"notes"`
	Entries     []string      `json:"entries"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

type result struct {
	Notes            []string `json:"notes"`             // "ok size N root R" or the error
	Inclusion        []string `json:"inclusion"`         // "ok" or the error
	Consistency      []string `json:"consistency"`       // "ok" or the error
	SameRecordProofs []bool   `json:"same_record_proofs"` // Go's ProveRecord == minshare's path
	SameTreeProofs   []bool   `json:"same_tree_proofs"`  // Go's ProveTree == minshare's path
	TreeRoot         string   `json:"tree_root"`         // Go's TreeHash of all entries
}

type stored []tlog.Hash

func (s stored) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = s[x]
	}
	return out, nil
}

func hash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

func hashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := hash(s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

func same(a []tlog.Hash, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if base64.StdEncoding.EncodeToString(a[i][:]) != b[i] {
			return false
		}
	}
	return true
}

// checkpoint parses a C2SP checkpoint body: origin, decimal size, base64 root. Go's
// tlog.ParseTree accepts only the Go checksum database's origin, so this is done here.
func checkpoint(text, origin string) (int64, tlog.Hash, error) {
	var h tlog.Hash
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return 0, h, fmt.Errorf("not three lines")
	}
	if lines[0] != origin {
		return 0, h, fmt.Errorf("origin %q", lines[0])
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return 0, h, fmt.Errorf("bad size %q", lines[1])
	}
	h, err = hash(lines[2])
	return n, h, err
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "bad request:", err)
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(req.Vkey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad vkey:", err)
		os.Exit(2)
	}
	var res result
	for _, msg := range req.Notes {
		n, err := note.Open([]byte(msg), note.VerifierList(verifier))
		if err != nil {
			res.Notes = append(res.Notes, err.Error())
			continue
		}
		size, root, err := checkpoint(n.Text, req.Origin)
		if err != nil {
			// A signed note that is not a checkpoint (the accounting statement) is fine too.
			res.Notes = append(res.Notes, "ok note")
			continue
		}
		res.Notes = append(res.Notes, fmt.Sprintf("ok size %d root %s", size, root))
	}

	// Go builds its own tree from the entries, with its own storage layout.
	var s stored
	for i, e := range req.Entries {
		data, err := base64.StdEncoding.DecodeString(e)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad entry:", err)
			os.Exit(2)
		}
		add, err := tlog.StoredHashes(int64(i), data, s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "StoredHashes:", err)
			os.Exit(2)
		}
		s = append(s, add...)
	}
	if len(req.Entries) > 0 {
		root, err := tlog.TreeHash(int64(len(req.Entries)), s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "TreeHash:", err)
			os.Exit(2)
		}
		res.TreeRoot = base64.StdEncoding.EncodeToString(root[:])
	}

	for _, c := range req.Inclusion {
		data, err1 := base64.StdEncoding.DecodeString(c.Leaf)
		path, err2 := hashes(c.Path)
		root, err3 := hash(c.Root)
		if err1 != nil || err2 != nil || err3 != nil {
			res.Inclusion = append(res.Inclusion, "malformed")
			continue
		}
		if err := tlog.CheckRecord(tlog.RecordProof(path), c.Size, root, c.Index, tlog.RecordHash(data)); err != nil {
			res.Inclusion = append(res.Inclusion, err.Error())
		} else {
			res.Inclusion = append(res.Inclusion, "ok")
		}
		sameProof := false
		if c.Size <= int64(len(req.Entries)) && c.Index < c.Size && bytes.Equal(data, mustDecode(req.Entries, c.Index)) {
			if p, err := tlog.ProveRecord(c.Size, c.Index, s); err == nil {
				sameProof = same(p, c.Path)
			}
		}
		res.SameRecordProofs = append(res.SameRecordProofs, sameProof)
	}

	for _, c := range req.Consistency {
		path, err1 := hashes(c.Path)
		first, err2 := hash(c.FirstRoot)
		second, err3 := hash(c.SecondRoot)
		if err1 != nil || err2 != nil || err3 != nil {
			res.Consistency = append(res.Consistency, "malformed")
			continue
		}
		// Argument order: the newer tree first, the older second.
		if err := tlog.CheckTree(tlog.TreeProof(path), c.Second, second, c.First, first); err != nil {
			res.Consistency = append(res.Consistency, err.Error())
		} else {
			res.Consistency = append(res.Consistency, "ok")
		}
		sameProof := false
		if c.Second <= int64(len(req.Entries)) && c.First >= 1 && c.First <= c.Second {
			if p, err := tlog.ProveTree(c.Second, c.First, s); err == nil {
				sameProof = same(p, c.Path)
			}
		}
		res.SameTreeProofs = append(res.SameTreeProofs, sameProof)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

func mustDecode(entries []string, i int64) []byte {
	if i < 0 || i >= int64(len(entries)) {
		return nil
	}
	b, _ := base64.StdEncoding.DecodeString(entries[i])
	return b
}
