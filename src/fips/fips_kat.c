/* SPDX-License-Identifier: Apache-2.0 */
/* src/fips: power-on known-answer tests of the classical algorithms (FIPS 140-3 IG 10.3.A),
 * run through src/crypto exactly as the module uses them. Every expected value is a published
 * test vector; the source is cited at each constant. No OpenSSL here. */
#include "fips/fips_int.h"

#include <string.h>

#include "crypto/crypto.h"
#include "util/ch_wipe.h"

/* ---- digests: the "abc" examples of NIST's CSRC "Examples with Intermediate Values"
 * (FIPS 180-4 SHA-1/SHA-256/SHA-512, FIPS 202 SHA3-256). --------------------------------- */

static CK_RV digest_kat(const char *name, enum ch_hash h, const char *want_hex)
{
    uint8_t got[CH_HASH_MAX_LEN];
    uint8_t want[CH_HASH_MAX_LEN];
    size_t n = ch_crypto_hash_len(h);

    CH_CHECK(ch_fips_unhex(want, n, want_hex), CKR_GENERAL_ERROR);
    CH_TRY(ch_crypto_hash(h, (const uint8_t *)"abc", 3, got));
    return ch_fips_kat_expect(name, got, want, n);
}

static CK_RV kat_sha1(void)
{
    return digest_kat("SHA-1", CH_HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static CK_RV kat_sha256(void)
{
    return digest_kat("SHA-256", CH_HASH_SHA256,
                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static CK_RV kat_sha512(void)
{
    return digest_kat("SHA-512", CH_HASH_SHA512,
                      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

static CK_RV kat_sha3_256(void)
{
    return digest_kat("SHA3-256", CH_HASH_SHA3_256,
                      "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

/* ---- HMAC-SHA-256: RFC 4231 §4.3 (test case 2). ------------------------------------------ */

static CK_RV kat_hmac_sha256(void)
{
    static const char msg[] = "what do ya want for nothing?";
    uint8_t got[32];
    uint8_t want[32];

    CH_CHECK(ch_fips_unhex(want, 32,
                           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
             CKR_GENERAL_ERROR);
    CH_TRY(ch_crypto_hmac(CH_HASH_SHA256, (const uint8_t *)"Jefe", 4, (const uint8_t *)msg,
                          sizeof(msg) - 1, got));
    return ch_fips_kat_expect("HMAC-SHA-256", got, want, 32);
}

/* ---- AES-256-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test case
 * 16 (256-bit key, 96-bit IV, 60-byte plaintext, 20-byte AAD). ------------------------------ */

struct gcm_tc {
    uint8_t k[32], iv[12], p[60], a[20], c[60], t[16];
};

static bool gcm_load(struct gcm_tc *v)
{
    return ch_fips_unhex(v->k, 32,
                         "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308") &&
           ch_fips_unhex(v->iv, 12, "cafebabefacedbaddecaf888") &&
           ch_fips_unhex(v->p, 60,
                         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                         "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39") &&
           ch_fips_unhex(v->a, 20, "feedfacedeadbeeffeedfacedeadbeefabaddad2") &&
           ch_fips_unhex(v->c, 60,
                         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                         "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662") &&
           ch_fips_unhex(v->t, 16, "76fc6ece0f4e1768cddf8853bb2d551b");
}

static CK_RV kat_gcm_encrypt(void)
{
    struct gcm_tc v;
    uint8_t got[60 + 16];
    uint8_t want[60 + 16];
    CK_RV rv;

    CH_CHECK(gcm_load(&v), CKR_GENERAL_ERROR);
    memcpy(want, v.c, 60);
    memcpy(want + 60, v.t, 16);
    CH_TRY_OUT(ch_crypto_aes256gcm_seal(v.k, v.iv, v.a, 20, v.p, 60, got, got + 60));
    rv = ch_fips_kat_expect("AES-256-GCM encrypt", got, want, sizeof(want));
out:
    ch_wipe(&v, sizeof(v));
    return rv;
}

static CK_RV kat_gcm_decrypt(void)
{
    struct gcm_tc v;
    uint8_t got[60];
    CK_RV rv;

    CH_CHECK(gcm_load(&v), CKR_GENERAL_ERROR);
    CH_TRY_OUT(ch_crypto_aes256gcm_open(v.k, v.iv, v.a, 20, v.c, 60, v.t, got));
    CH_TRY_OUT(ch_fips_kat_expect("AES-256-GCM decrypt", got, v.p, 60));
    /* The authentication check must also reject: flip one tag bit. */
    v.t[15] ^= 0x01;
    rv = ch_crypto_aes256gcm_open(v.k, v.iv, v.a, 20, v.c, 60, v.t, got) ==
                 CKR_ENCRYPTED_DATA_INVALID
             ? CKR_OK
             : CKR_GENERAL_ERROR;
out:
    ch_wipe(&v, sizeof(v));
    ch_wipe(got, sizeof(got));
    return rv;
}

/* ---- PBKDF2-HMAC-SHA-256: RFC 7914 §11, first PBKDF2 case (P="passwd", S="salt", c=1). ---- */

static CK_RV kat_pbkdf2(void)
{
    uint8_t got[64];
    uint8_t want[64];
    CK_RV rv;

    CH_CHECK(ch_fips_unhex(want, 64,
                           "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                           "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
             CKR_GENERAL_ERROR);
    rv = ch_crypto_pbkdf2(CH_HASH_SHA256, (const uint8_t *)"passwd", 6, (const uint8_t *)"salt",
                          4, 1, got, sizeof(got));
    if (rv == CKR_OK)
        rv = ch_fips_kat_expect("PBKDF2-HMAC-SHA-256", got, want, sizeof(want));
    ch_wipe(got, sizeof(got));
    return rv;
}

/* ---- HMAC_DRBG (SHA-256, no prediction resistance): instantiate, reseed, generate twice,
 * compare the second output (SP 800-90A §11.3). Vector: NIST ACVP-Server release v1.1.0.43,
 * hmacDRBG-SP800-90Ar1 internalProjection.json, tgId 28, tcId 406. ----------------------- */

static const char drbg_entropy[] =
    "99FAE6AAF6D11C007CAAFB3D79BAC3A16678503C56D54FCEAF94D8D5DC12BF89D19C62291E9616D3FA7D815CB5"
    "6F99838F241D249E286EFB2305400CA5177DFD07B0AC123D52C5849CEF65C4D073D4F0A17EEC590FC63A7DAF9F"
    "7BE41AB2C2604152CF895F3A017C7D2DEAD8A61D9B9FE95BBF6877BF4FD63A0C4D3FCE43B287C80CE26C12BE4B"
    "60E664185F9D758AFCDF4A28CC398A6C24BEE247AB9AE8E096";
static const char drbg_nonce[] = "E8049D06B9DC96148E9323A7657C2F9D82BD26AC0DE6BF04AAB9480B641457D1";
static const char drbg_perso[] =
    "78D06A36EC9692EB7F648336EAA873D5EF8537E476AFD3CB68926252A12C5136F0C790B6CC27F8803022ECA569"
    "AED80DAD00593946A5CE0886375EE416C30D6B0AEDE5C3B621D549BF7E8A45B75A02C6777915AE985B23D58A46"
    "D8A271B8FEBA67A3006C755086C3AEF1956A7A584F5FD9CF9D157E740F0A595A133CE5843B54";
static const char drbg_reseed_entropy[] =
    "89D3DA52073051B0660E616D5A9EE4FDB5B3F5663530D2B7476FC6173C83CF2B78A221B820518CE42C7784ECBA"
    "BAFE3172D4CBCA271358AA8BFAA493157E28EBFA1B2759CF57D1807D1C798DDB5EB2EC03DB95646FCA46A0FBF1"
    "0FF1D20A01A505604A6CA6010D08383A946EB3539B9BEC779D16232D4C4487CE5ADC5F0ABB128A2DE177F99E63"
    "A1F2B991BB0ECE6F55CD6FFC8E1D8CD2E6D8430B0AA2FFC2CA";
static const char drbg_reseed_add[] =
    "F358437EC63C11A1FF243D3A55391B0ACD6B117B4F4BBD2E20F6F9C1AC1B267E26D4950C2A39328F6E06FFB8B6"
    "2E408C6F12F45EFACC3388656DB8F8CB7FA7FEDCF46895C58B1DC1CA0B4782D4229CD9EFC541531902738E6A5B"
    "9747FAFC9AB5";
static const char drbg_add1[] =
    "6F4736FE5A1A11C1FCC68F2FFE9120CFD88ABF74B5837C7892E81EC65B969D6B19D5FE5BBD353BBADF96672312"
    "00BE1EEA4B29B52C0BA66DA3F43395D4F05864EAA130BCAF0A1B0240EC7F5CF01F6CC67EF3B6B3FB880D4992AE"
    "66D9377BA65E";
static const char drbg_add2[] =
    "8D874E30197BEA1127F8F3E3E30EB982B7E828AFDA3F0E163DFCE7FDD07359D947FB6E57F841E407F9020C48A1"
    "AA20A6E0171FF4C12892FCDE4672FE82E4143441948E03B5999AD6DCE9D76C3BED5CB0FA6AE1E4A79A6DD6FF23"
    "F09218C1F1D1";
static const char drbg_returned[] =
    "D85A89ED7CF2937CE903A1F83BC37DE2014D2B1EDC55A9EFFF6070989DA8FA0042D7B09983F99A184EA0CF0DDB"
    "A233088FF3CA827F1A653049A41C3D68D29F79";

#define DRBG_KAT_MAX 160

struct drbg_kat_in {
    uint8_t entropy[DRBG_KAT_MAX], nonce[32], perso[128], re_entropy[DRBG_KAT_MAX];
    uint8_t re_add[96], add1[96], add2[96], want[64], out[64];
    size_t entropy_len, re_entropy_len;
};

static bool drbg_kat_load(struct drbg_kat_in *k)
{
    k->entropy_len = (sizeof(drbg_entropy) - 1) / 2;
    k->re_entropy_len = (sizeof(drbg_reseed_entropy) - 1) / 2;
    return k->entropy_len <= DRBG_KAT_MAX && k->re_entropy_len <= DRBG_KAT_MAX &&
           ch_fips_unhex(k->entropy, k->entropy_len, drbg_entropy) &&
           ch_fips_unhex(k->nonce, sizeof(k->nonce), drbg_nonce) &&
           ch_fips_unhex(k->perso, sizeof(k->perso), drbg_perso) &&
           ch_fips_unhex(k->re_entropy, k->re_entropy_len, drbg_reseed_entropy) &&
           ch_fips_unhex(k->re_add, sizeof(k->re_add), drbg_reseed_add) &&
           ch_fips_unhex(k->add1, sizeof(k->add1), drbg_add1) &&
           ch_fips_unhex(k->add2, sizeof(k->add2), drbg_add2) &&
           ch_fips_unhex(k->want, sizeof(k->want), drbg_returned);
}

static CK_RV kat_hmac_drbg(void)
{
    struct ch_hmac_drbg d = {0};
    struct drbg_kat_in k;
    CK_RV rv;

    CH_CHECK(drbg_kat_load(&k), CKR_GENERAL_ERROR);
    CH_TRY_OUT(ch_hmac_drbg_instantiate(&d, CH_HASH_SHA256, k.entropy, k.entropy_len, k.nonce,
                                        sizeof(k.nonce), k.perso, sizeof(k.perso)));
    CH_TRY_OUT(ch_hmac_drbg_reseed(&d, k.re_entropy, k.re_entropy_len, k.re_add,
                                   sizeof(k.re_add)));
    CH_TRY_OUT(ch_hmac_drbg_generate(&d, k.out, sizeof(k.out), k.add1, sizeof(k.add1)));
    CH_TRY_OUT(ch_hmac_drbg_generate(&d, k.out, sizeof(k.out), k.add2, sizeof(k.add2)));
    rv = ch_fips_kat_expect("HMAC_DRBG", k.out, k.want, sizeof(k.want));
out:
    ch_hmac_drbg_clear(&d);
    ch_wipe(&k, sizeof(k));
    return rv;
}

const struct ch_fips_kat ch_fips_classic_kats[] = {
    {"SHA-1", kat_sha1, "self-test failed: SHA-1 KAT"},
    {"SHA-256", kat_sha256, "self-test failed: SHA-256 KAT"},
    {"SHA-512", kat_sha512, "self-test failed: SHA-512 KAT"},
    {"SHA3-256", kat_sha3_256, "self-test failed: SHA3-256 KAT"},
    {"HMAC-SHA-256", kat_hmac_sha256, "self-test failed: HMAC-SHA-256 KAT"},
    {"AES-256-GCM encrypt", kat_gcm_encrypt, "self-test failed: AES-256-GCM encrypt KAT"},
    {"AES-256-GCM decrypt", kat_gcm_decrypt, "self-test failed: AES-256-GCM decrypt KAT"},
    {"PBKDF2-HMAC-SHA-256", kat_pbkdf2, "self-test failed: PBKDF2 KAT"},
    {"HMAC_DRBG", kat_hmac_drbg, "self-test failed: HMAC_DRBG KAT"},
    {NULL, NULL, NULL},
};
