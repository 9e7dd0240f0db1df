package util

// Limit is the most anything holds.
const Limit = 10  // @limit

// Server serves.
type Server struct {  // @server
	Addr string  // @addr
}

func (s *Server) Serve() error { return nil }  // @serve

func helper() int { return Limit }  // @helper ?Limit => @limit
