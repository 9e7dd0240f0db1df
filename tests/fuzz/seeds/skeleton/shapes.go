// Package shapes is a corpus for the Go skeleton.
package shapes

import (
	"fmt"
	str "strings"
)

import "io"

// Limit is the most anything holds.
const Limit = 64

const (
	// Red is first.
	Red = iota
	green
	Blue, Black = 3, 4
)

var (
	Count int
	names = []string{"a"}
)

var single, double = 1, 2

// Server serves.
type Server struct {
	Addr string
	io.Writer
}

type (
	// Reader reads.
	Reader interface {
		io.Reader
		Close() error
	}
	handler func(string) error
)

// Pair holds two of anything.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

type ID = string

// Serve runs until the listener closes.
func (s *Server) Serve(n int) (err error) {
	fmt.Println(str.Repeat("x", n))
	return nil
}

func (s Server) name() string { return s.Addr }

func (p *Pair[K, V]) Swap() {}

// Map applies f to every element.
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func init() {}
