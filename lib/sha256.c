#include "sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

void
ctx_sha256(const void *p, size_t len, unsigned char out[32])
{
	/* The one-shot SHA256() is not deprecated in OpenSSL 3 and avoids EVP's fetch cost. */
	SHA256(p, len, out);
}

void
ctx_sha256_hex(const void *p, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];

	ctx_sha256(p, len, md);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
ctx_hmac_sha256(const void *key, size_t key_len, const void *p, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), key, (int)key_len, p, len, out, &n);
}
