int dup(void) { return 2; }  // @dup_other
