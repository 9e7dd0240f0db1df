package main

import (
	"fmt"
	u "example.com/shop/util"
)

var total int  // @total

func main() {  // @main
	s := &u.Server{Addr: ":80"}  // @s ?Server => @server ?u => unresolved
	n := u.Double(u.Limit)  // @n ?Double => @double ?Limit => @limit
	for i := 0; i < n; i++ {  // @loop_i
		total += i  // ?total => @total ?i => @loop_i
	}
	if err := s.Serve(); err != nil {  // @err ?Serve => dynamic
		fmt.Println(err, len(fmt.Sprint(total)))  // ?err => @err ?len => builtin ?Println => unresolved
	}
	local(n)  // ?local => @local
}
