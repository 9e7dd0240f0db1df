int err;  // @err_global
struct stat { int sz; };  // @stat_tag
int stat(const char *p, struct stat *s);  // @stat_fn

int
use(int a)
{
	struct stat st;  // ?stat => @stat_tag
	int r = stat("x", &st);  // ?stat => @stat_fn
	if (a)
		goto err;  // ?err => @err_label
	return r + err;  // ?err => @err_global
err:  // @err_label
	return 0;
}
