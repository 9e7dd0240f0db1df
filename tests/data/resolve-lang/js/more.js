export function extra() { return 2; }  // @extra
