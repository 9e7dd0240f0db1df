package util

func Double(n int) int { return n * helper() }  // @double ?helper => @helper ?n => @double
