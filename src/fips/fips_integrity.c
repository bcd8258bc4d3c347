/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips: the software integrity test (FIPS 140-3 §7.10.2): HMAC-SHA-256 of the module file
 * under a fixed, public key, compared in constant time with the sidecar "<module>.hmac" that
 * the build wrote (tools/integrity/ch-integrity.c). Only file I/O and src/crypto here. */
#include "fips/fips_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/ch_ct.h"
#include "util/ch_wipe.h"

#define CHUNK 65536
#define SIDECAR_HEX 64

CK_RV ch_fips_integrity_compute(const char *path, uint8_t mac[32])
{
    static const char key[] = CH_FIPS_INTEGRITY_KEY;
    uint8_t *buf = NULL; /* not secret: the module's own bytes */
    struct ch_hmac *m = NULL;
    FILE *f = NULL;
    CK_RV rv;
    size_t n;

    CH_CHECK(path != NULL && mac != NULL, CKR_ARGUMENTS_BAD);
    f = fopen(path, "rbe");
    CH_CHECK(f != NULL, CKR_FUNCTION_FAILED);
    buf = malloc(CHUNK);
    CH_CHECK_OUT(buf != NULL, CKR_HOST_MEMORY);
    CH_TRY_OUT(ch_crypto_hmac_new(CH_HASH_SHA256, (const uint8_t *)key, sizeof(key) - 1, &m));
    while ((n = fread(buf, 1, CHUNK, f)) != 0)
        CH_TRY_OUT(ch_crypto_hmac_update(m, buf, n));
    CH_CHECK_OUT(ferror(f) == 0, CKR_FUNCTION_FAILED);
    CH_TRY_OUT(ch_crypto_hmac_final(m, mac));
    rv = CKR_OK;
out:
    ch_crypto_hmac_free(m);
    free(buf);
    if (f != NULL)
        (void)fclose(f);
    return rv;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool ch_fips_unhex(uint8_t *out, size_t n, const char *hex)
{
    if (hex == NULL || strlen(hex) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]);
        int lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Reads "<path>.hmac": 64 hex digits, optionally followed by a newline. */
static CK_RV read_sidecar(const char *path, uint8_t mac[32])
{
    char name[4096];
    char line[SIDECAR_HEX + 3];
    FILE *f;
    size_t n;
    int len = snprintf(name, sizeof(name), "%s%s", path, CH_FIPS_INTEGRITY_SUFFIX);

    CH_CHECK(len > 0 && (size_t)len < sizeof(name), CKR_FUNCTION_FAILED);
    f = fopen(name, "rbe");
    if (f == NULL)
        return errno == ENOENT ? CKR_DEVICE_ERROR : CKR_FUNCTION_FAILED;
    n = fread(line, 1, sizeof(line) - 1, f);
    (void)fclose(f);
    line[n] = '\0';
    if (n == SIDECAR_HEX + 1 && line[SIDECAR_HEX] == '\n')
        line[SIDECAR_HEX] = '\0';
    return ch_fips_unhex(mac, 32, line) ? CKR_OK : CKR_FUNCTION_FAILED;
}

CK_RV ch_fips_integrity_check_file(const char *path)
{
    uint8_t want[32];
    uint8_t got[32];
    CK_RV rv;

    CH_CHECK(path != NULL, CKR_ARGUMENTS_BAD);
    CH_TRY(read_sidecar(path, want));
    rv = ch_fips_integrity_compute(path, got);
    if (rv == CKR_OK && !ch_ct_eq(got, want, sizeof(got)))
        rv = CKR_FUNCTION_FAILED;
    return rv;
}
