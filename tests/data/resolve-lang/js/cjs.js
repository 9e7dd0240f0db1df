exports.helper = function (x) { return x; };  // @helper
