/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: attribute templates through the real module (C_CreateObject, C_FindObjectsInit,
 * C_GetAttributeValue, C_SetAttributeValue, C_CopyObject). The input is decoded into a
 * template of up to 16 attributes; every call must return a CKR_ code and never crash, leak or
 * touch memory it does not own. Array attributes (CKF_ARRAY_ATTRIBUTE) are excluded: their
 * values are pointers the application vouches for.
 *
 * Built two ways: with libFuzzer (clang -fsanitize=fuzzer, `make fuzz`) it exports
 * LLVMFuzzerTestOneInput; otherwise (-DCH_FUZZ_REPLAY) main() replays the files named on the
 * command line and then N pseudo-random inputs (N from CH_FUZZ_ITERATIONS, default 20000), so the
 * normal test suite exercises the same code deterministically. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11_test.h"

/* Attribute types worth hitting often: the decoder picks from this list for most entries. */
static const CK_ATTRIBUTE_TYPE interesting[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_APPLICATION, CKA_VALUE, CKA_OBJECT_ID,
    CKA_CERTIFICATE_TYPE, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_TRUSTED, CKA_CERTIFICATE_CATEGORY,
    CKA_KEY_TYPE, CKA_SUBJECT, CKA_ID, CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP,
    CKA_UNWRAP, CKA_SIGN, CKA_VERIFY, CKA_DERIVE, CKA_START_DATE, CKA_END_DATE, CKA_MODULUS,
    CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_VALUE_LEN,
    CKA_EXTRACTABLE, CKA_LOCAL, CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, CKA_MODIFIABLE,
    CKA_COPYABLE, CKA_DESTROYABLE, CKA_EC_PARAMS, CKA_EC_POINT, CKA_ALLOWED_MECHANISMS,
    CKA_UNIQUE_ID, CKA_KEY_GEN_MECHANISM, CKA_CHECK_VALUE, CKA_PARAMETER_SET, CKA_SEED,
    CKA_ALWAYS_AUTHENTICATE, CKA_WRAP_WITH_TRUSTED, CKA_PUBLIC_KEY_INFO,
};
static const CK_ULONG small_values[] = {
    CKO_DATA, CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_SECRET_KEY, CKK_RSA, CKK_EC,
    CKK_AES, CKK_GENERIC_SECRET, CKK_EC_EDWARDS, CKK_ML_DSA, CKC_X_509, 0, 1, 16, 32,
};

static struct ch_p11t env;
static CK_SESSION_HANDLE sess;
static int ready;

static int setup(void)
{
    if (ready)
        return ready > 0 ? 0 : -1;
    ready = -1;
    if (ch_p11t_setup(&env, NULL) != 0)
        return -1;
    if (ch_p11t_open(&env, true, CKU_USER, &sess) != CKR_OK)
        return -1;
    ready = 1;
    return 0;
}

struct reader {
    const uint8_t *p;
    size_t n;
};

static unsigned rd(struct reader *r, size_t k)
{
    unsigned v = 0;
    for (size_t i = 0; i < k; i++) {
        v = v << 8 | (r->n ? *r->p : 0);
        if (r->n) {
            r->p++;
            r->n--;
        }
    }
    return v;
}

#define MAX_ATTRS 16

static void one_input(const uint8_t *data, size_t size)
{
    CK_FUNCTION_LIST_3_0 *f = env.f;
    struct reader r = {data, size};
    CK_ATTRIBUTE t[MAX_ATTRS];
    CK_ULONG ulongs[MAX_ATTRS];
    size_t n = 0;
    unsigned op = rd(&r, 1);

    while (n < MAX_ATTRS && r.n > 0) {
        unsigned sel = rd(&r, 1);
        CK_ATTRIBUTE_TYPE type = (sel & 0x80) ? (CK_ATTRIBUTE_TYPE)rd(&r, 4)
                                              : interesting[sel % (sizeof(interesting) /
                                                                   sizeof(interesting[0]))];
        if (type & CKF_ARRAY_ATTRIBUTE)
            type &= ~(CK_ATTRIBUTE_TYPE)CKF_ARRAY_ATTRIBUTE;
        unsigned shape = rd(&r, 1);
        t[n].type = type;
        if ((shape & 3) == 0) { /* a CK_ULONG from the small list */
            ulongs[n] = small_values[(shape >> 2) % (sizeof(small_values) / sizeof(small_values[0]))];
            t[n].pValue = &ulongs[n];
            t[n].ulValueLen = sizeof(CK_ULONG);
        } else if ((shape & 3) == 1) { /* a CK_BBOOL-sized value */
            t[n].pValue = (void *)r.p;
            t[n].ulValueLen = r.n ? 1 : 0;
            rd(&r, 1);
        } else { /* a byte string from the input */
            size_t len = shape >> 2;
            if (len > r.n)
                len = r.n;
            t[n].pValue = len ? (void *)r.p : NULL;
            t[n].ulValueLen = len;
            r.p += len;
            r.n -= len;
        }
        n++;
    }

    CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE, copy = CK_INVALID_HANDLE;
    /* Never create token objects: the store would grow with every input. */
    for (size_t i = 0; i < n; i++)
        if (t[i].type == CKA_TOKEN && t[i].ulValueLen == 1)
            *(CK_BBOOL *)(void *)&ulongs[i] = CK_FALSE, t[i].pValue = &ulongs[i];
    switch (op % 4) {
    case 0:
        (void)f->C_CreateObject(sess, t, n, &obj);
        break;
    case 1: {
        CK_OBJECT_HANDLE found[8];
        CK_ULONG cnt = 0;
        if (f->C_FindObjectsInit(sess, t, n) == CKR_OK) {
            (void)f->C_FindObjects(sess, found, 8, &cnt);
            (void)f->C_FindObjectsFinal(sess);
        }
        break;
    }
    default: {
        /* A data object to read, change and copy with the fuzzed template. */
        CK_OBJECT_CLASS cls = CKO_DATA;
        CK_BBOOL no = CK_FALSE;
        CK_ATTRIBUTE base[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_TOKEN, &no, 1},
                               {CKA_LABEL, "fuzz", 4}};
        if (f->C_CreateObject(sess, base, 3, &obj) != CKR_OK)
            break;
        if (op % 4 == 2) {
            (void)f->C_SetAttributeValue(sess, obj, t, n);
            (void)f->C_CopyObject(sess, obj, t, n, &copy);
        } else {
            /* C_GetAttributeValue writes into pValue: give it buffers of the fuzzed lengths. */
            static uint8_t out[MAX_ATTRS][256];
            for (size_t i = 0; i < n; i++) {
                if (t[i].ulValueLen > sizeof(out[i]))
                    t[i].ulValueLen = sizeof(out[i]);
                t[i].pValue = (op & 0x10) ? NULL : out[i];
            }
            (void)f->C_GetAttributeValue(sess, obj, t, n);
        }
        break;
    }
    }
    if (obj != CK_INVALID_HANDLE)
        (void)f->C_DestroyObject(sess, obj);
    if (copy != CK_INVALID_HANDLE)
        (void)f->C_DestroyObject(sess, copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (setup() != 0)
        abort();
    one_input(data, size);
    return 0;
}

#ifdef CH_FUZZ_REPLAY
int main(int argc, char **argv)
{
    if (setup() != 0) {
        fprintf(stderr, "fuzz_template: module setup failed\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (fp == NULL)
            continue;
        uint8_t buf[4096];
        size_t len = fread(buf, 1, sizeof(buf), fp);
        fclose(fp);
        one_input(buf, len);
    }
    const char *it = getenv("CH_FUZZ_ITERATIONS");
    long iters = it ? atol(it) : 20000;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (long k = 0; k < iters; k++) {
        uint8_t buf[512];
        size_t len = 1 + (size_t)(k % 300);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        one_input(buf, len);
    }
    CK_FUNCTION_LIST_3_0 *f = env.f;
    (void)f->C_CloseAllSessions(env.slot);
    ch_p11t_teardown(&env);
    printf("fuzz_template: %d files and %ld generated inputs replayed\n", argc - 1, iters);
    return 0;
}
#endif
