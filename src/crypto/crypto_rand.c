/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto: a tiny built-in OpenSSL provider, registered only in the module's private
 * library context, whose single EVP_RAND ("CRATON-DRBG") hands out bytes from the module DRBG
 * (src/fips, reached through a callback so this layer does not call upwards). It is the seed
 * source of that context: OpenSSL's CTR_DRBG chain there (primary, then public/private) is
 * seeded and reseeded only from our SP 800-90A DRBG, so RSA/EC key generation and every other
 * draw OpenSSL makes for us descends from it. */
#include "crypto/crypto_int.h"

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <stdlib.h>

#define RAND_PROV_NAME "craton-rand"
#define RAND_ALG_NAME "CRATON-DRBG"
#define RAND_PROPQ "provider=craton-rand"
/* SP 800-90A Table 2: at most 2^19 bits per HMAC_DRBG request; OpenSSL splits larger draws. */
#define RAND_MAX_REQUEST ((size_t)1 << 16)
#define RAND_STRENGTH 256u

static CK_RV (*rand_source)(uint8_t *out, size_t len);
static OSSL_PROVIDER *rand_prov;

void ch_crypto_rand_set_source(CK_RV (*fn)(uint8_t *out, size_t len))
{
    __atomic_store_n(&rand_source, fn, __ATOMIC_RELEASE);
}

static int draw(uint8_t *out, size_t len)
{
    CK_RV (*fn)(uint8_t *, size_t) = __atomic_load_n(&rand_source, __ATOMIC_ACQUIRE);

    if (fn == NULL || fn(out, len) != CKR_OK) {
        ch_wipe(out, len);
        return 0;
    }
    return 1;
}

/* ---- the EVP_RAND implementation ----------------------------------------------------------- */

struct rand_ctx {
    int state; /* EVP_RAND_STATE_* */
};

static OSSL_FUNC_rand_newctx_fn rand_newctx;
static OSSL_FUNC_rand_freectx_fn rand_freectx;
static OSSL_FUNC_rand_instantiate_fn rand_instantiate;
static OSSL_FUNC_rand_uninstantiate_fn rand_uninstantiate;
static OSSL_FUNC_rand_generate_fn rand_generate;
static OSSL_FUNC_rand_reseed_fn rand_reseed;
static OSSL_FUNC_rand_enable_locking_fn rand_enable_locking;
static OSSL_FUNC_rand_lock_fn rand_lock;
static OSSL_FUNC_rand_unlock_fn rand_unlock;
static OSSL_FUNC_rand_gettable_ctx_params_fn rand_gettable_ctx_params;
static OSSL_FUNC_rand_get_ctx_params_fn rand_get_ctx_params;
static OSSL_FUNC_rand_get_seed_fn rand_get_seed;
static OSSL_FUNC_rand_clear_seed_fn rand_clear_seed;
static OSSL_FUNC_rand_verify_zeroization_fn rand_verify_zeroization;

/* The parent (seed source) OpenSSL wires in is ignored: our DRBG seeds itself from getrandom()
 * with prediction resistance, so there is no chain of OpenSSL DRBGs to feed. */
static void *rand_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_dispatch)
{
    struct rand_ctx *c = calloc(1, sizeof(*c));
    if (c != NULL)
        c->state = EVP_RAND_STATE_UNINITIALISED;
    return c;
}

static void rand_freectx(void *vctx)
{
    free(vctx);
}

static int rand_instantiate(void *vctx, unsigned int strength, int prediction_resistance,
                            const unsigned char *pstr, size_t pstr_len,
                            const OSSL_PARAM params[])
{
    struct rand_ctx *c = vctx;
    if (strength > RAND_STRENGTH)
        return 0;
    c->state = EVP_RAND_STATE_READY;
    return 1;
}

static int rand_uninstantiate(void *vctx)
{
    struct rand_ctx *c = vctx;
    c->state = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int rand_generate(void *vctx, unsigned char *out, size_t outlen, unsigned int strength,
                         int prediction_resistance, const unsigned char *addin,
                         size_t addin_len)
{
    struct rand_ctx *c = vctx;
    if (c->state != EVP_RAND_STATE_READY || strength > RAND_STRENGTH)
        return 0;
    /* Every request of the module DRBG already reseeds from the entropy source, which is
     * stronger than the prediction resistance OpenSSL may ask for. */
    return draw(out, outlen);
}

static int rand_reseed(void *vctx, int prediction_resistance, const unsigned char *ent,
                       size_t ent_len, const unsigned char *addin, size_t addin_len)
{
    return 1; /* see rand_generate: each request reseeds anyway */
}

static int rand_enable_locking(void *vctx)
{
    return 1; /* the module DRBG has its own lock */
}

static int rand_lock(void *vctx)
{
    return 1;
}

static void rand_unlock(void *vctx)
{
}

static const OSSL_PARAM *rand_gettable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM list[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END,
    };
    return list;
}

static int rand_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct rand_ctx *c = vctx;
    OSSL_PARAM *p;

    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
    if (p != NULL && !OSSL_PARAM_set_int(p, c->state))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
    if (p != NULL && !OSSL_PARAM_set_uint(p, RAND_STRENGTH))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
    if (p != NULL && !OSSL_PARAM_set_size_t(p, RAND_MAX_REQUEST))
        return 0;
    return 1;
}

/* Used only if someone chains an OpenSSL DRBG below ours: seed it from the module DRBG. */
static size_t rand_get_seed(void *vctx, unsigned char **pout, int entropy, size_t min_len,
                            size_t max_len, int prediction_resistance,
                            const unsigned char *addin, size_t addin_len)
{
    size_t n = min_len < 32 ? 32 : min_len;
    unsigned char *buf;

    if (n > max_len)
        return 0;
    buf = OPENSSL_secure_malloc(n);
    if (buf == NULL)
        return 0;
    if (!draw(buf, n)) {
        OPENSSL_secure_clear_free(buf, n);
        return 0;
    }
    *pout = buf;
    return n;
}

static void rand_clear_seed(void *vctx, unsigned char *out, size_t outlen)
{
    OPENSSL_secure_clear_free(out, outlen);
}

static int rand_verify_zeroization(void *vctx)
{
    return 1; /* this context holds no secret state */
}

static const OSSL_DISPATCH rand_functions[] = {
    {OSSL_FUNC_RAND_NEWCTX, (void (*)(void))rand_newctx},
    {OSSL_FUNC_RAND_FREECTX, (void (*)(void))rand_freectx},
    {OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))rand_instantiate},
    {OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))rand_uninstantiate},
    {OSSL_FUNC_RAND_GENERATE, (void (*)(void))rand_generate},
    {OSSL_FUNC_RAND_RESEED, (void (*)(void))rand_reseed},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))rand_enable_locking},
    {OSSL_FUNC_RAND_LOCK, (void (*)(void))rand_lock},
    {OSSL_FUNC_RAND_UNLOCK, (void (*)(void))rand_unlock},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))rand_gettable_ctx_params},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))rand_get_ctx_params},
    {OSSL_FUNC_RAND_GET_SEED, (void (*)(void))rand_get_seed},
    {OSSL_FUNC_RAND_CLEAR_SEED, (void (*)(void))rand_clear_seed},
    {OSSL_FUNC_RAND_VERIFY_ZEROIZATION, (void (*)(void))rand_verify_zeroization},
    {0, NULL},
};

static const OSSL_ALGORITHM rand_algs[] = {
    {RAND_ALG_NAME, RAND_PROPQ, rand_functions, "Craton HSM SP 800-90A HMAC_DRBG"},
    {NULL, NULL, NULL, NULL},
};

/* ---- the provider -------------------------------------------------------------------------- */

static const OSSL_ALGORITHM *prov_query(void *provctx, int operation_id, int *no_cache)
{
    *no_cache = 0;
    return operation_id == OSSL_OP_RAND ? rand_algs : NULL;
}

static const OSSL_DISPATCH prov_functions[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))prov_query},
    {0, NULL},
};

static int prov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                     const OSSL_DISPATCH **out, void **provctx)
{
    static int dummy;
    *out = prov_functions;
    *provctx = &dummy;
    return 1;
}

CK_RV ch_crypto_rand_install(OSSL_LIB_CTX *libctx)
{
    if (OSSL_PROVIDER_add_builtin(libctx, RAND_PROV_NAME, prov_init) != 1)
        return CKR_GENERAL_ERROR;
    rand_prov = OSSL_PROVIDER_load(libctx, RAND_PROV_NAME);
    if (rand_prov == NULL)
        return CKR_GENERAL_ERROR;
    /* RAND_set_*_type fail once the context's DRBGs exist, so this runs right after
     * OSSL_LIB_CTX_new, before any provider that could draw randomness is loaded. */
    /* Our DRBG is the seed source; OpenSSL's own primary/public/private DRBGs in this context
     * are SP 800-90A CTR_DRBG (AES-256) instances chained below it, so every byte OpenSSL
     * draws descends from the module DRBG while per-operation draws (ECDSA nonces, RSA
     * blinding) do not pay a full prediction-resistant reseed each (docs/FIPS.md). */
    if (RAND_set_seed_source_type(libctx, RAND_ALG_NAME, RAND_PROPQ) != 1 ||
        RAND_set_DRBG_type(libctx, "CTR-DRBG", NULL, "AES-256-CTR", NULL) != 1)
        return CKR_GENERAL_ERROR;
    return CKR_OK;
}

void ch_crypto_rand_uninstall(void)
{
    if (rand_prov != NULL)
        (void)OSSL_PROVIDER_unload(rand_prov);
    rand_prov = NULL;
}

CK_RV ch_crypto_random_bytes(uint8_t *out, size_t len, bool priv)
{
    OSSL_LIB_CTX *libctx = ch_crypto_libctx();
    CK_RV rv = CKR_OK;
    int ok;

    CH_CHECK(out != NULL || len == 0, CKR_ARGUMENTS_BAD);
    CH_CHECK(libctx != NULL, CKR_GENERAL_ERROR);
    CH_OSSL_ENTER();
    ok = priv ? RAND_priv_bytes_ex(libctx, out, len, 0) : RAND_bytes_ex(libctx, out, len, 0);
    CH_OSSL_LEAVE();
    if (ok != 1) {
        ch_wipe(out, len);
        rv = CKR_FUNCTION_FAILED;
    }
    return rv;
}
