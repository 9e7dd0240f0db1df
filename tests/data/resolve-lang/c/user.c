int dup(void);
int use(void) { return dup(); }  // ?dup => unresolved
