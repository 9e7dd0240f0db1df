package main

func local(n int) int { return n }  // @local
