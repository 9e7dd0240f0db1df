/* version: the suite's version, printed by every tool's --version. */
#ifndef CTX_VERSION_H
#define CTX_VERSION_H

#define CTX_VERSION "0.1.0"

#endif
