/* sha256: SHA-256 through OpenSSL's libcrypto, as bytes or lowercase hex. */
#ifndef CTX_SHA256_H
#define CTX_SHA256_H

#include <stddef.h>

/* Digest of len bytes at p into out (32 bytes). */
void ctx_sha256(const void *p, size_t len, unsigned char out[32]);
/* The same as 64 lowercase hex digits and a NUL in out. */
void ctx_sha256_hex(const void *p, size_t len, char out[65]);

/* HMAC-SHA-256 of len bytes at p under key[0, key_len) into out (32 bytes). */
void ctx_hmac_sha256(const void *key, size_t key_len, const void *p, size_t len, unsigned char out[32]);

#endif
