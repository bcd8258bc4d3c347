/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Craton HSM unit test: include/craton_hsm/pkcs11.h and craton_hsm.h. Compile-time checks of
 * well-known values and layouts, the function-list order read back from the PKCS #11 v3.2 text,
 * and a value-by-value cross-check against the system's p11-kit and NSS headers (built in
 * other translation units). Test-only code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "craton_hsm/craton_hsm.h"
#include "craton_hsm/pkcs11.h"
#include "test_headers_xc.h"

/* ---- compile-time checks: values every PKCS#11 client hard-codes ------------------------ */

_Static_assert(sizeof(CK_ULONG) == sizeof(unsigned long), "CK_ULONG is unsigned long");
_Static_assert(sizeof(CK_BBOOL) == 1 && sizeof(CK_BYTE) == 1, "byte types");
_Static_assert(CK_TRUE == 1 && CK_FALSE == 0, "booleans");
_Static_assert(CK_INVALID_HANDLE == 0UL, "invalid handle");
_Static_assert(CK_UNAVAILABLE_INFORMATION == ~0UL, "unavailable information");
_Static_assert(CK_EFFECTIVELY_INFINITE == 0UL, "effectively infinite");

_Static_assert(CKM_AES_GCM == 0x1087UL, "CKM_AES_GCM");
_Static_assert(CKM_AES_KEY_WRAP_KWP == 0x210bUL, "CKM_AES_KEY_WRAP_KWP");
_Static_assert(CKM_EDDSA == 0x1057UL, "CKM_EDDSA");
_Static_assert(CKM_HKDF_DERIVE == 0x402aUL, "CKM_HKDF_DERIVE");
_Static_assert(CKM_SHA256_RSA_PKCS_PSS == 0x43UL, "CKM_SHA256_RSA_PKCS_PSS");
_Static_assert(CKM_ML_KEM_KEY_PAIR_GEN == 0x0fUL && CKM_ML_KEM == 0x17UL, "ML-KEM mechs");
_Static_assert(CKM_ML_DSA_KEY_PAIR_GEN == 0x1cUL && CKM_ML_DSA == 0x1dUL, "ML-DSA mechs");
_Static_assert(CKM_HASH_ML_DSA == 0x1fUL && CKM_HASH_ML_DSA_SHAKE256 == 0x2cUL, "HashML-DSA");
_Static_assert(CKM_SLH_DSA_KEY_PAIR_GEN == 0x2dUL && CKM_SLH_DSA == 0x2eUL, "SLH-DSA mechs");
_Static_assert(CKM_HASH_SLH_DSA == 0x34UL && CKM_HASH_SLH_DSA_SHAKE256 == 0x3fUL, "HashSLH");
_Static_assert(CKK_EC_EDWARDS == 0x40UL && CKK_EC_MONTGOMERY == 0x41UL, "EC key types");
_Static_assert(CKK_HKDF == 0x42UL, "CKK_HKDF");
_Static_assert(CKK_ML_KEM == 0x49UL && CKK_ML_DSA == 0x4aUL && CKK_SLH_DSA == 0x4bUL, "PQC");
_Static_assert(CKP_ML_KEM_512 == 1 && CKP_ML_KEM_768 == 2 && CKP_ML_KEM_1024 == 3, "CKP KEM");
_Static_assert(CKP_ML_DSA_44 == 1 && CKP_ML_DSA_65 == 2 && CKP_ML_DSA_87 == 3, "CKP DSA");
_Static_assert(CKP_SLH_DSA_SHA2_128S == 1 && CKP_SLH_DSA_SHAKE_256F == 0x0c, "CKP SLH");
_Static_assert(CKR_BUFFER_TOO_SMALL == 0x150UL, "CKR_BUFFER_TOO_SMALL");
_Static_assert(CKR_PIN_TOO_WEAK == 0x1b8UL, "CKR_PIN_TOO_WEAK (p11-kit 0.24 has it wrong)");
_Static_assert(CKR_PARAMETER_SET_NOT_SUPPORTED == 0x209UL, "3.2 CKR");
_Static_assert(CKA_UNIQUE_ID == 0x4UL, "CKA_UNIQUE_ID");
_Static_assert(CKA_WRAP_TEMPLATE == 0x40000211UL, "CKA_WRAP_TEMPLATE");
_Static_assert(CKA_ALLOWED_MECHANISMS == 0x40000600UL, "CKA_ALLOWED_MECHANISMS");
_Static_assert(CKA_PROFILE_ID == 0x601UL, "CKA_PROFILE_ID");
_Static_assert(CKA_PARAMETER_SET == 0x61dUL && CKA_SEED == 0x637UL, "3.2 CKA");
_Static_assert(CKA_ENCAPSULATE == 0x633UL && CKA_DECAPSULATE == 0x634UL, "3.2 CKA");
_Static_assert(CKA_ENCAPSULATE_TEMPLATE == 0x62aUL, "published value has no array bit");
_Static_assert(CKF_ENCAPSULATE == 0x10000000UL && CKF_DECAPSULATE == 0x20000000UL, "CKF");
_Static_assert(CKF_MESSAGE_ENCRYPT == 0x2UL && CKF_MULTI_MESSAGE == 0x20UL, "CKF message");
_Static_assert(CKF_OS_LOCKING_OK == 0x2UL, "CKF_OS_LOCKING_OK");

/* Vendor values sit in the vendor ranges and are never mistaken for array attributes. */
_Static_assert((CKA_CH_BASE & CKA_VENDOR_DEFINED) != 0, "vendor CKA");
_Static_assert((CKA_CH_BASE & CKF_ARRAY_ATTRIBUTE) == 0, "vendor CKA not an array");
_Static_assert((CKM_CH_BASE & CKM_VENDOR_DEFINED) != 0, "vendor CKM");
_Static_assert(sizeof(CH_MANUFACTURER_ID) - 1 <= 32, "manufacturerID fits 32 bytes");
_Static_assert(sizeof(CH_LIBRARY_DESCRIPTION) - 1 <= 32, "libraryDescription fits");
_Static_assert(sizeof(CH_TOKEN_MODEL) - 1 <= 16, "model fits 16 bytes");
_Static_assert(sizeof(CH_SLOT_DESCRIPTION) - 1 <= 64, "slotDescription fits");

/* Layout: the function lists are a CK_VERSION followed by pointers, no gaps. Entry k
 * (1-based) sits at FL_OFF(k). C_GetInterfaceList is entry 69 of the 3.0 list, which has 92. */
#define FL_FIRST offsetof(CK_FUNCTION_LIST, C_Initialize)
#define FL_OFF(k) (FL_FIRST + ((size_t)(k) - 1) * sizeof(void (*)(void)))
_Static_assert(FL_FIRST == sizeof(void (*)(void)), "version padded to one pointer");
_Static_assert(offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent) == FL_OFF(68), "2.40 last");
_Static_assert(sizeof(CK_FUNCTION_LIST) == FL_OFF(69), "2.40 has 68 entries");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList) == FL_OFF(69), "3.0 #69");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_MessageVerifyFinal) == FL_OFF(92), "3.0 #92");
_Static_assert(sizeof(CK_FUNCTION_LIST_3_0) == FL_OFF(93), "3.0 has 92 entries");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_2, C_EncapsulateKey) == FL_OFF(93), "3.2 #93");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_2, C_DecapsulateKey) == FL_OFF(94), "3.2 #94");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_2, C_AsyncJoin) == FL_OFF(102), "3.2 #102");
_Static_assert(sizeof(CK_FUNCTION_LIST_3_2) == FL_OFF(103), "3.2 has 102 entries");
_Static_assert(offsetof(struct ch_function_list_3_2_ext, C_WrapKeyAuthenticated) == FL_OFF(103),
               "the two functions some 3.2 headers append follow C_AsyncJoin directly");
_Static_assert(offsetof(struct ch_function_list_3_2_ext, C_UnwrapKeyAuthenticated) ==
                   FL_OFF(104), "entry 104");

/* Structure layouts that differ between header generations (LP64). */
#if defined(__LP64__)
_Static_assert(sizeof(CK_ATTRIBUTE) == 24, "CK_ATTRIBUTE");
_Static_assert(sizeof(CK_MECHANISM) == 24, "CK_MECHANISM");
_Static_assert(offsetof(CK_GCM_PARAMS, ulIvBits) == 16 && sizeof(CK_GCM_PARAMS) == 48,
               "CK_GCM_PARAMS has the v3.0 layout");
_Static_assert(sizeof(CK_C_INITIALIZE_ARGS) == 48, "CK_C_INITIALIZE_ARGS");
_Static_assert(sizeof(CK_INTERFACE) == 24, "CK_INTERFACE");
_Static_assert(sizeof(CK_TOKEN_INFO) == 208, "CK_TOKEN_INFO");
#endif

/* ---- function-list order against the PKCS #11 v3.2 text -------------------------------- */

#define NAME_ROW(name, args) #name,
static const char *const names_v240[] = {CH_P11_FUNCS_V240(NAME_ROW)};
static const char *const names_v30[] = {CH_P11_FUNCS_V30(NAME_ROW)};
static const char *const names_v32[] = {CH_P11_FUNCS_V32(NAME_ROW)};
#undef NAME_ROW

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Our expected order for a structure: the tables concatenated. Returns the count. */
static size_t expected_order(const char *sname, const char **out, size_t cap)
{
    size_t n = 0;
    const char *const *parts[3] = {names_v240, names_v30, names_v32};
    size_t lens[3] = {COUNT(names_v240), COUNT(names_v30), COUNT(names_v32)};
    size_t nparts = strcmp(sname, "CK_FUNCTION_LIST") == 0       ? 1
                    : strcmp(sname, "CK_FUNCTION_LIST_3_0") == 0 ? 2
                                                                 : 3;

    for (size_t p = 0; p < nparts; p++) {
        for (size_t i = 0; i < lens[p] && n < cap; i++) {
            out[n++] = parts[p][i];
        }
    }
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long sz;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)sz + 1);
        if (buf != NULL && fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
            buf[sz] = '\0';
            *len = (size_t)sz;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/*
 * Reads the member names of "typedef struct <sname> {" ... "} <sname>;" from the spec text:
 * each member line is "  CK_C_<Name> C_<Name>;". Returns the count, or 0 if not found.
 */
static size_t spec_order(const char *text, const char *sname, char names[][64], size_t cap)
{
    char head[96];
    const char *p;
    size_t n = 0;

    snprintf(head, sizeof(head), "typedef struct %s {", sname);
    p = strstr(text, head);
    if (p == NULL) {
        return 0;
    }
    p = strchr(p, '\n');
    while (p != NULL && n < cap) {
        char type[64], member[64];
        p++;
        if (*p == '}') {
            break;
        }
        if (sscanf(p, " %63s %63[^;];", type, member) == 2 && strncmp(member, "C_", 2) == 0) {
            snprintf(names[n++], 64, "%s", member);
        }
        p = strchr(p, '\n');
    }
    return n;
}

static void test_function_lists_follow_spec(void **state)
{
    static const char *const structs[] = {"CK_FUNCTION_LIST", "CK_FUNCTION_LIST_3_0",
                                          "CK_FUNCTION_LIST_3_2"};
    static const size_t want_n[] = {CH_P11_NFUNCS_V240, CH_P11_NFUNCS_V30, CH_P11_NFUNCS_V32};
    char path[1024];
    size_t len = 0;
    char *text;

    (void)state;
    snprintf(path, sizeof(path), "%s/OASIS.pkcs11-spec-v3.2-baseline.md.txt", CH_SPECS_DIR);
    text = read_file(path, &len);
    if (text == NULL) {
        print_message("spec text not found at %s\n", path);
        skip();
    }
    for (size_t s = 0; s < COUNT(structs); s++) {
        static char spec[128][64];
        const char *ours[128];
        size_t ns = spec_order(text, structs[s], spec, 128);
        size_t no = expected_order(structs[s], ours, 128);

        assert_int_equal(ns, want_n[s]);
        assert_int_equal(no, want_n[s]);
        for (size_t i = 0; i < ns; i++) {
            if (strcmp(spec[i], ours[i]) != 0) {
                print_message("%s entry %zu: spec %s, ours %s\n", structs[s], i + 1, spec[i],
                              ours[i]);
            }
            assert_string_equal(spec[i], ours[i]);
        }
    }
    free(text);
}

/* The spec reader itself must be able to fail: a shuffled list is told apart. */
static void test_spec_reader_detects_difference(void **state)
{
    static const char text[] = "typedef struct CK_FUNCTION_LIST {\n"
                               "  CK_VERSION version;\n"
                               "  CK_C_Finalize C_Finalize;\n"
                               "  CK_C_Initialize C_Initialize;\n"
                               "} CK_FUNCTION_LIST;\n";
    char spec[8][64];
    size_t n;

    (void)state;
    n = spec_order(text, "CK_FUNCTION_LIST", spec, 8);
    assert_int_equal(n, 2);
    assert_string_equal(spec[0], "C_Finalize");
    assert_string_not_equal(spec[0], names_v240[0]);
    assert_int_equal(spec_order(text, "CK_FUNCTION_LIST_3_0", spec, 8), 0);
}

/* ---- values no installed header can confirm (3.1/3.2 additions) --------------------------- */

/* Typed in from the published PKCS #11 3.2 value lists (also carried by OpenSC and PyKCS11),
 * not derived from our header, so an accidental edit of one of these values fails here. */
struct pinned {
    const char *name;
    unsigned long ours;
    unsigned long published;
};
#define P(n, v) {#n, (unsigned long)(n), (v)}
static const struct pinned pinned_values[] = {
    P(CKO_VALIDATION, 0xa), P(CKO_TRUST, 0xb),
    P(CKK_HSS, 0x46), P(CKK_XMSS, 0x47), P(CKK_XMSSMT, 0x48), P(CKK_ML_KEM, 0x49),
    P(CKK_ML_DSA, 0x4a), P(CKK_SLH_DSA, 0x4b),
    P(CKA_UNIQUE_ID, 0x4), P(CKA_HSS_LEVELS, 0x617), P(CKA_HSS_LMS_TYPE, 0x618),
    P(CKA_HSS_LMOTS_TYPE, 0x619), P(CKA_HSS_LMS_TYPES, 0x61a), P(CKA_HSS_LMOTS_TYPES, 0x61b),
    P(CKA_HSS_KEYS_REMAINING, 0x61c), P(CKA_PARAMETER_SET, 0x61d),
    P(CKA_OBJECT_VALIDATION_FLAGS, 0x61e), P(CKA_VALIDATION_TYPE, 0x61f),
    P(CKA_VALIDATION_VERSION, 0x620), P(CKA_VALIDATION_LEVEL, 0x621),
    P(CKA_VALIDATION_MODULE_ID, 0x622), P(CKA_VALIDATION_FLAG, 0x623),
    P(CKA_VALIDATION_AUTHORITY_TYPE, 0x624), P(CKA_VALIDATION_COUNTRY, 0x625),
    P(CKA_VALIDATION_CERTIFICATE_IDENTIFIER, 0x626), P(CKA_VALIDATION_CERTIFICATE_URI, 0x627),
    P(CKA_VALIDATION_VENDOR_URI, 0x628), P(CKA_VALIDATION_PROFILE, 0x629),
    P(CKA_ENCAPSULATE_TEMPLATE, 0x62a), P(CKA_DECAPSULATE_TEMPLATE, 0x62b),
    P(CKA_TRUST_SERVER_AUTH, 0x62c), P(CKA_TRUST_CLIENT_AUTH, 0x62d),
    P(CKA_TRUST_CODE_SIGNING, 0x62e), P(CKA_TRUST_EMAIL_PROTECTION, 0x62f),
    P(CKA_TRUST_IPSEC_IKE, 0x630), P(CKA_TRUST_TIME_STAMPING, 0x631),
    P(CKA_TRUST_OCSP_SIGNING, 0x632), P(CKA_ENCAPSULATE, 0x633), P(CKA_DECAPSULATE, 0x634),
    P(CKA_HASH_OF_CERTIFICATE, 0x635), P(CKA_PUBLIC_CRC64_VALUE, 0x636), P(CKA_SEED, 0x637),
    P(CKM_ML_KEM_KEY_PAIR_GEN, 0xf), P(CKM_ML_KEM, 0x17), P(CKM_ML_DSA_KEY_PAIR_GEN, 0x1c),
    P(CKM_ML_DSA, 0x1d), P(CKM_HASH_ML_DSA, 0x1f), P(CKM_HASH_ML_DSA_SHA224, 0x23),
    P(CKM_HASH_ML_DSA_SHA256, 0x24), P(CKM_HASH_ML_DSA_SHA384, 0x25),
    P(CKM_HASH_ML_DSA_SHA512, 0x26), P(CKM_HASH_ML_DSA_SHA3_224, 0x27),
    P(CKM_HASH_ML_DSA_SHA3_256, 0x28), P(CKM_HASH_ML_DSA_SHA3_384, 0x29),
    P(CKM_HASH_ML_DSA_SHA3_512, 0x2a), P(CKM_HASH_ML_DSA_SHAKE128, 0x2b),
    P(CKM_HASH_ML_DSA_SHAKE256, 0x2c), P(CKM_SLH_DSA_KEY_PAIR_GEN, 0x2d), P(CKM_SLH_DSA, 0x2e),
    P(CKM_HASH_SLH_DSA, 0x34), P(CKM_HASH_SLH_DSA_SHA224, 0x36),
    P(CKM_HASH_SLH_DSA_SHA256, 0x37), P(CKM_HASH_SLH_DSA_SHA384, 0x38),
    P(CKM_HASH_SLH_DSA_SHA512, 0x39), P(CKM_HASH_SLH_DSA_SHA3_224, 0x3a),
    P(CKM_HASH_SLH_DSA_SHA3_256, 0x3b), P(CKM_HASH_SLH_DSA_SHA3_384, 0x3c),
    P(CKM_HASH_SLH_DSA_SHA3_512, 0x3d), P(CKM_HASH_SLH_DSA_SHAKE128, 0x3e),
    P(CKM_HASH_SLH_DSA_SHAKE256, 0x3f), P(CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE, 0x56),
    P(CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH, 0x57), P(CKM_KEA_DERIVE, 0x1012),
    P(CKM_AES_XTS, 0x1071), P(CKM_AES_XTS_KEY_GEN, 0x1072), P(CKM_AES_KEY_WRAP_PKCS7, 0x210c),
    P(CKM_IKE2_PRF_PLUS_DERIVE, 0x402e), P(CKM_IKE_PRF_DERIVE, 0x402f),
    P(CKM_IKE1_PRF_DERIVE, 0x4030), P(CKM_IKE1_EXTENDED_DERIVE, 0x4031),
    P(CKM_HSS_KEY_PAIR_GEN, 0x4032), P(CKM_HSS, 0x4033), P(CKM_XMSS_KEY_PAIR_GEN, 0x4034),
    P(CKM_XMSSMT_KEY_PAIR_GEN, 0x4035), P(CKM_XMSS, 0x4036), P(CKM_XMSSMT, 0x4037),
    P(CKM_ECDH_X_AES_KEY_WRAP, 0x4038), P(CKM_ECDH_COF_AES_KEY_WRAP, 0x4039),
    P(CKM_PUB_KEY_FROM_PRIV_KEY, 0x403a),
    P(CKM_SHA3_224_KEY_DERIVE, 0x398), P(CKM_SHA3_256_KEY_DERIVE, 0x397),
    P(CKM_SHA3_384_KEY_DERIVE, 0x399), P(CKM_SHA3_512_KEY_DERIVE, 0x39a),
    P(CKM_SHAKE_128_KEY_DERIVE, 0x39b), P(CKM_SHAKE_256_KEY_DERIVE, 0x39c),
    P(CKP_COMPLETE_PROVIDER, 5), P(CKP_HKDF_TLS_TOKEN, 6),
    P(CKP_ML_DSA_44, 1), P(CKP_ML_DSA_65, 2), P(CKP_ML_DSA_87, 3),
    P(CKP_ML_KEM_512, 1), P(CKP_ML_KEM_768, 2), P(CKP_ML_KEM_1024, 3),
    P(CKP_SLH_DSA_SHA2_128S, 1), P(CKP_SLH_DSA_SHAKE_128S, 2), P(CKP_SLH_DSA_SHA2_128F, 3),
    P(CKP_SLH_DSA_SHAKE_128F, 4), P(CKP_SLH_DSA_SHA2_192S, 5), P(CKP_SLH_DSA_SHAKE_192S, 6),
    P(CKP_SLH_DSA_SHA2_192F, 7), P(CKP_SLH_DSA_SHAKE_192F, 8), P(CKP_SLH_DSA_SHA2_256S, 9),
    P(CKP_SLH_DSA_SHAKE_256S, 0xa), P(CKP_SLH_DSA_SHA2_256F, 0xb), P(CKP_SLH_DSA_SHAKE_256F, 0xc),
    P(CKR_AEAD_DECRYPT_FAILED, 0x42), P(CKR_KEY_EXHAUSTED, 0x203), P(CKR_PENDING, 0x204),
    P(CKR_SESSION_ASYNC_NOT_SUPPORTED, 0x205), P(CKR_SEED_RANDOM_REQUIRED, 0x206),
    P(CKR_OPERATION_NOT_VALIDATED, 0x207), P(CKR_TOKEN_NOT_INITIALIZED, 0x208),
    P(CKR_PARAMETER_SET_NOT_SUPPORTED, 0x209),
    P(CKF_ASYNC_SESSION, 0x8), P(CKF_ASYNC_SESSION_SUPPORTED, 0x04000000),
    P(CKF_SEED_RANDOM_REQUIRED, 0x02000000), P(CKF_ENCAPSULATE, 0x10000000),
    P(CKF_DECAPSULATE, 0x20000000), P(CKF_EC_CURVENAME, 0x04000000), P(CKF_MULTI_MESSGE, 0x20),
    P(CKH_HEDGE_PREFERRED, 0), P(CKH_HEDGE_REQUIRED, 1), P(CKH_DETERMINISTIC_REQUIRED, 2),
    P(CKS_LAST_VALIDATION_OK, 1),
    P(CKT_TRUST_UNKNOWN, 0), P(CKT_TRUSTED, 1), P(CKT_TRUST_ANCHOR, 2), P(CKT_NOT_TRUSTED, 3),
    P(CKT_TRUST_MUST_VERIFY_TRUST, 4),
    P(CKV_AUTHORITY_TYPE_UNSPECIFIED, 0), P(CKV_AUTHORITY_TYPE_NIST_CMVP, 1),
    P(CKV_AUTHORITY_TYPE_COMMON_CRITERIA, 2), P(CKV_TYPE_UNSPECIFIED, 0),
    P(CKV_TYPE_SOFTWARE, 1), P(CKV_TYPE_HARDWARE, 2), P(CKV_TYPE_FIRMWARE, 3),
    P(CKV_TYPE_HYBRID, 4), P(CK_SP800_108_KEY_HANDLE, 5),
};
#undef P

static void test_pinned_32_values(void **state)
{
    size_t bad = 0;

    (void)state;
    for (size_t i = 0; i < COUNT(pinned_values); i++) {
        if (pinned_values[i].ours != pinned_values[i].published) {
            print_message("%s: ours %#lx, published %#lx\n", pinned_values[i].name,
                          pinned_values[i].ours, pinned_values[i].published);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- cross-check against other PKCS#11 headers ----------------------------------------- */

/* Known, deliberate differences: the other header is wrong or extended, ours follows OASIS. */
struct known_diff {
    const char *origin;
    const char *name;
    const char *member; /* NULL: the constant or the size */
};

static const struct known_diff known_diffs[] = {
    /* p11-kit 0.24.1 numbers these 0x1c0..0x1c4; OASIS (and NSS) say 0x1b5..0x1b9. */
    {"p11-kit", "CKR_EXCEEDED_MAX_ITERATIONS", NULL},
    {"p11-kit", "CKR_FIPS_SELF_TEST_FAILED", NULL},
    {"p11-kit", "CKR_LIBRARY_LOAD_FAILED", NULL},
    {"p11-kit", "CKR_PIN_TOO_WEAK", NULL},
    {"p11-kit", "CKR_PUBLIC_KEY_INVALID", NULL},
    /* NSS defines CKA_TRUST_* as its own vendor attributes (pre-3.2 trust objects). */
    {"nss", "CKA_TRUST_SERVER_AUTH", NULL},
    {"nss", "CKA_TRUST_CLIENT_AUTH", NULL},
    {"nss", "CKA_TRUST_CODE_SIGNING", NULL},
    {"nss", "CKA_TRUST_EMAIL_PROTECTION", NULL},
    {"nss", "CKA_TRUST_IPSEC_IKE", NULL},
    {"nss", "CKA_TRUST_TIME_STAMPING", NULL},
    {"nss", "CKA_TRUST_OCSP_SIGNING", NULL},
    /* NSS inserts a LibraryParameters pointer before pReserved. */
    {"nss", "CK_C_INITIALIZE_ARGS", NULL},
    {"nss", "CK_C_INITIALIZE_ARGS", "pReserved"},
};

static int is_known_diff(const char *origin, const struct ch_xc_row *r)
{
    for (size_t i = 0; i < COUNT(known_diffs); i++) {
        const struct known_diff *k = &known_diffs[i];
        if (strcmp(k->origin, origin) == 0 && strcmp(k->name, r->name) == 0 &&
            ((k->member == NULL && r->member == NULL) ||
             (k->member != NULL && r->member != NULL && strcmp(k->member, r->member) == 0))) {
            return 1;
        }
    }
    return 0;
}

static const struct ch_xc_row *find_row(const struct ch_xc_table *t, const struct ch_xc_row *r)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct ch_xc_row *o = &t->rows[i];
        if (o->kind == r->kind && strcmp(o->name, r->name) == 0 &&
            ((o->member == NULL && r->member == NULL) ||
             (o->member != NULL && r->member != NULL && strcmp(o->member, r->member) == 0))) {
            return o;
        }
    }
    return NULL;
}

/* Compares every row of `theirs` with ours; prints and counts unexplained differences. */
static size_t compare_tables(const struct ch_xc_table *ours, const struct ch_xc_table *theirs,
                             size_t *compared)
{
    size_t bad = 0;

    *compared = 0;
    for (size_t i = 0; i < theirs->n; i++) {
        const struct ch_xc_row *r = &theirs->rows[i];
        const struct ch_xc_row *o = find_row(ours, r);

        (*compared)++;
        if (o != NULL && o->value == r->value) {
            continue;
        }
        if (is_known_diff(theirs->origin, r)) {
            continue;
        }
        print_message("%s: %s%s%s ours=%#lx theirs=%#lx\n", theirs->origin, r->name,
                      r->member ? "." : "", r->member ? r->member : "", o ? o->value : 0UL,
                      r->value);
        bad++;
    }
    return bad;
}

static void test_compare_detects_mismatch(void **state)
{
    static const struct ch_xc_row fake_rows[] = {
        {'c', "CKM_AES_GCM", NULL, 0x1088UL},          /* wrong value */
        {'c', "CKA_CLASS", NULL, 0UL},                 /* right */
        {'c', "CKR_PIN_TOO_WEAK", NULL, 0x1c3UL},      /* wrong, but not a known p11-kit diff */
        {'o', "CK_ATTRIBUTE", "ulValueLen", offsetof(CK_ATTRIBUTE, ulValueLen)}, /* right */
    };
    struct ch_xc_table ours = ch_test_xc_craton();
    struct ch_xc_table fake = {"fake", fake_rows, COUNT(fake_rows)};
    size_t compared = 0;

    (void)state;
    assert_int_equal(compare_tables(&ours, &fake, &compared), 2);
    assert_int_equal(compared, COUNT(fake_rows));
}

static void test_craton_table_complete(void **state)
{
    struct ch_xc_table ours = ch_test_xc_craton();
    size_t consts = 0;

    (void)state;
    for (size_t i = 0; i < ours.n; i++) {
        consts += ours.rows[i].kind == 'c';
    }
    /* Every name in the generated list is defined by our headers. */
    assert_true(consts > 1000);
    assert_non_null(find_row(&ours, &(struct ch_xc_row){'c', "CKM_ML_KEM", NULL, 0}));
}

static void check_against(struct ch_xc_table theirs, size_t min_rows)
{
    struct ch_xc_table ours = ch_test_xc_craton();
    size_t compared = 0;
    size_t bad = compare_tables(&ours, &theirs, &compared);

    print_message("%s: %zu values compared\n", theirs.origin, compared);
    assert_true(compared >= min_rows);
    assert_int_equal(bad, 0);
}

static void test_xcheck_p11kit(void **state)
{
    (void)state;
#ifdef CH_XC_HAVE_P11KIT
    check_against(ch_test_xc_p11kit(), 800);
#else
    print_message("p11-kit headers not found at build time (libp11-kit-dev)\n");
    skip();
#endif
}

static void test_xcheck_nss(void **state)
{
    (void)state;
#ifdef CH_XC_HAVE_NSS
    check_against(ch_test_xc_nss(), 1400);
#else
    print_message("NSS headers not found at build time (libnss3-dev)\n");
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_function_lists_follow_spec),
        cmocka_unit_test(test_spec_reader_detects_difference),
        cmocka_unit_test(test_compare_detects_mismatch),
        cmocka_unit_test(test_craton_table_complete),
        cmocka_unit_test(test_pinned_32_values),
        cmocka_unit_test(test_xcheck_p11kit),
        cmocka_unit_test(test_xcheck_nss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
