const T = 1;  // @t_value
export function f<T>(x: T): number { return T; }  // @t_param ?T#3 => @t_value ?T#2 => @t_param
