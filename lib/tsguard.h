/* tsguard: what is safe to give the tree-sitter runtime we link (Debian 12's 0.20.7). It
 * aborts with a double free on some inputs whose error recovery gathers tens of thousands
 * of nodes (65534 unclosed brackets, 65531 '*' in a row, 70000 'if '; fixed upstream in
 * 0.20.8). No lexical rule catches them all, so text with too few tokens to get there is
 * parsed at once, and larger text is parsed first in a child process: only what the child
 * survives, within a time bound, is parsed in ours. Of Debian's stdlib and dist-packages,
 * three files take the child's path.
 *
 * The child is this program started afresh (/proc/self/exe, with CTX_TS_PROBE naming the
 * language), not a fork: a fork of a process whose other threads may hold an allocator's
 * lock can deadlock in the child (AddressSanitizer's allocator does). A constructor in
 * this module answers the probe before main runs, so every program linking it can. */
#ifndef CTX_TSGUARD_H
#define CTX_TSGUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "lang.h"

/* Brackets left open deeper than this are refused without a parse (Python refuses 200). */
#define CTX_TS_MAX_NESTING 4096
/* Fewer tokens than this (counted generously: every name, number and other non-blank
 * byte) cannot reach the crash. */
#define CTX_TS_SAFE_TOKENS 60000
/* The child's parse is given this long. */
#define CTX_TS_PROBE_MS 20000

/* Whether src may be parsed as l (a language with a grammar) in this process. false also
 * when the child could not be started: a file not parsed is a file with a parse error,
 * never a crash. */
bool ctx_ts_parseable(const struct ctx_lang *l, const char *src, size_t len);

#endif
