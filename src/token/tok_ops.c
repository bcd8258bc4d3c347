/* SPDX-License-Identifier: Apache-2.0 */
/* Cryptographic operations of a session: key-usage policy (usage flags, allowed mechanisms,
 * validity dates, login, SHA-1 signing switch, CKA_ALWAYS_AUTHENTICATE), then dispatch to the
 * mechanism table. Crypto runs with the session lock held and a reference on the key, never
 * with a token-wide lock. Also key generation, derivation, wrapping, encapsulation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "fips/fips.h"
#include "token/tok_internal.h"
#include "util/ch_ct.h"
#include "util/ch_secmem.h"
#include "util/ch_wipe.h"

static CK_ATTRIBUTE_TYPE usage_attr(enum ch_op_kind kind)
{
    switch (kind) {
    case CH_OP_ENCRYPT:
    case CH_OP_MSG_ENCRYPT:
        return CKA_ENCRYPT;
    case CH_OP_DECRYPT:
    case CH_OP_MSG_DECRYPT:
        return CKA_DECRYPT;
    case CH_OP_SIGN:
    case CH_OP_MSG_SIGN:
        return CKA_SIGN;
    case CH_OP_VERIFY:
    case CH_OP_MSG_VERIFY:
        return CKA_VERIFY;
    case CH_OP_SIGN_RECOVER:
        return CKA_SIGN_RECOVER;
    case CH_OP_VERIFY_RECOVER:
        return CKA_VERIFY_RECOVER;
    default:
        return CK_UNAVAILABLE_INFORMATION;
    }
}

/* "YYYYMMDD" of today (UTC) for CKA_START_DATE / CKA_END_DATE checks. */
static void today(char out[8])
{
    time_t now = time(NULL);
    struct tm tmv;
    char buf[48];
    gmtime_r(&now, &tmv);
    snprintf(buf, sizeof(buf), "%04d%02d%02d", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday);
    memcpy(out, buf, 8);
}

/* Policy common to every use of a key with a mechanism. Caller holds k->lock (read). */
static CK_RV key_policy(const struct ch_object *k, const struct ch_mech_desc *d,
                        CK_ATTRIBUTE_TYPE usage)
{
    if (usage != CK_UNAVAILABLE_INFORMATION && !ch_obj_bool(k, usage, false))
        return CKR_KEY_FUNCTION_NOT_PERMITTED;
    if (d->key_type != CK_UNAVAILABLE_INFORMATION && d->key_type != k->ktype)
        return CKR_KEY_TYPE_INCONSISTENT;
    const struct ch_attr *am = ch_obj_attr(k, CKA_ALLOWED_MECHANISMS);
    if (am != NULL && am->len >= sizeof(CK_MECHANISM_TYPE)) {
        bool found = false;
        for (size_t i = 0; i + sizeof(CK_MECHANISM_TYPE) <= am->len; i += sizeof(CK_MECHANISM_TYPE)) {
            CK_MECHANISM_TYPE t;
            memcpy(&t, am->val + i, sizeof(t));
            found |= t == d->type;
        }
        if (!found)
            return CKR_MECHANISM_INVALID;
    }
    const struct ch_attr *sd = ch_obj_attr(k, CKA_START_DATE);
    const struct ch_attr *ed = ch_obj_attr(k, CKA_END_DATE);
    if ((sd != NULL && sd->len == 8) || (ed != NULL && ed->len == 8)) {
        char now[8];
        today(now);
        if (sd != NULL && sd->len == 8 && memcmp(now, sd->val, 8) < 0)
            return CKR_KEY_FUNCTION_NOT_PERMITTED;
        if (ed != NULL && ed->len == 8 && memcmp(now, ed->val, 8) > 0)
            return CKR_KEY_FUNCTION_NOT_PERMITTED;
    }
    if (k->secrets_missing && (k->cls == CKO_PRIVATE_KEY || k->cls == CKO_SECRET_KEY))
        return CKR_USER_NOT_LOGGED_IN;
    return CKR_OK;
}

static CK_RV find_mech(const CK_MECHANISM *m, CK_FLAGS need, const struct ch_mech_desc **out)
{
    const struct ch_mech_desc *d = ch_mech_find(m->mechanism);
    CH_CHECK(d != NULL && ch_tok_mech_allowed(d) && (d->flags & need), CKR_MECHANISM_INVALID);
    CH_CHECK(m->pParameter != NULL || m->ulParameterLen == 0, CKR_MECHANISM_PARAM_INVALID);
    *out = d;
    return CKR_OK;
}

static bool is_signing(enum ch_op_kind kind)
{
    return kind == CH_OP_SIGN || kind == CH_OP_SIGN_RECOVER || kind == CH_OP_MSG_SIGN;
}

CK_RV ch_tok_op_init(CK_SESSION_HANDLE h, enum ch_op_kind kind, const CK_MECHANISM *mech,
                     CK_OBJECT_HANDLE key)
{
    struct ch_session *s;
    struct ch_object *k = NULL;
    const struct ch_mech_desc *d;
    struct ch_mech_op *op = NULL;
    bool needs_auth = false;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    if (mech == NULL) { /* PKCS#11 3.0: a NULL mechanism ends the active operation */
        rv = s->ops[kind] != NULL ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
        ch_tok_session_end_op(s, kind);
        goto out;
    }
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_CHECK_OUT(s->ops[kind] == NULL, CKR_OPERATION_ACTIVE);
    CH_TRY_OUT(find_mech(mech, ch_mech_flag_for(kind), &d));
    if (is_signing(kind) && d->sha1_sign && !ch_tok_mod->cfg.allow_sha1_signing) {
        rv = CKR_MECHANISM_INVALID;
        goto out;
    }
    if (kind == CH_OP_DIGEST) {
        rv = d->ops->init(d, kind, mech, NULL, &op);
    } else {
        rv = ch_obj_get(s, key, &k);
        if (rv != CKR_OK) {
            rv = CKR_KEY_HANDLE_INVALID;
            goto out;
        }
        struct ch_mech_key view;
        pthread_rwlock_rdlock(&k->lock);
        rv = key_policy(k, d, usage_attr(kind));
        if (rv == CKR_OK) {
            ch_obj_key_view(k, &view);
            rv = d->ops->init(d, kind, mech, &view, &op);
        }
        needs_auth = (kind == CH_OP_SIGN || kind == CH_OP_DECRYPT || kind == CH_OP_SIGN_RECOVER) &&
                     ch_obj_bool(k, CKA_ALWAYS_AUTHENTICATE, false);
        pthread_rwlock_unlock(&k->lock);
    }
    CH_TRY_OUT(rv);
    s->ops[kind] = op;
    s->op_keys[kind] = k;
    s->op_ctx_auth[kind] = false;
    s->op_needs_ctx_auth[kind] = needs_auth;
    k = NULL;
out:
    ch_obj_unref(k);
    ch_tok_session_put(s);
    return rv;
}

/* The op of `kind`, ready to use (CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN for a
 * CKA_ALWAYS_AUTHENTICATE key without the context-specific login). */
static CK_RV active(struct ch_session *s, enum ch_op_kind kind, struct ch_mech_op **op)
{
    CH_CHECK(s->ops[kind] != NULL, CKR_OPERATION_NOT_INITIALIZED);
    CH_CHECK(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_CHECK(!s->op_needs_ctx_auth[kind] || s->op_ctx_auth[kind], CKR_USER_NOT_LOGGED_IN);
    *op = s->ops[kind];
    return CKR_OK;
}

/* Output-producing calls end the operation unless they only reported a size. */
static void finish(struct ch_session *s, enum ch_op_kind kind, CK_RV rv, const uint8_t *out)
{
    if (rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && out == NULL))
        return;
    ch_tok_session_end_op(s, kind);
}

CK_RV ch_tok_op_oneshot(CK_SESSION_HANDLE h, enum ch_op_kind kind, const uint8_t *in,
                        size_t in_len, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, kind, &op);
    if (rv == CKR_OK) {
        /* Every family with a single-part form provides oneshot; the others (pure multi-part
         * ones do not exist in PKCS#11) would be a table error. */
        rv = op->desc->ops->oneshot != NULL ? op->desc->ops->oneshot(op, in, in_len, out, out_len)
                                            : CKR_GENERAL_ERROR;
        finish(s, kind, rv, out);
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_verify(CK_SESSION_HANDLE h, const uint8_t *in, size_t in_len, const uint8_t *sig,
                    size_t sig_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, CH_OP_VERIFY, &op);
    if (rv == CKR_OK) {
        rv = op->desc->ops->verify != NULL ? op->desc->ops->verify(op, in, in_len, sig, sig_len)
                                           : CKR_OPERATION_NOT_INITIALIZED;
        ch_tok_session_end_op(s, CH_OP_VERIFY);
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_op_update(CK_SESSION_HANDLE h, enum ch_op_kind kind, const uint8_t *in,
                       size_t in_len, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, kind, &op);
    if (rv == CKR_OK) {
        /* Mechanisms without a multi-part form (e.g. raw RSA) refuse updates. */
        rv = op->desc->ops->update != NULL ? op->desc->ops->update(op, in, in_len, out, out_len)
                                           : CKR_KEY_FUNCTION_NOT_PERMITTED;
        if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
            ch_tok_session_end_op(s, kind);
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
    struct ch_session *s;
    struct ch_object *k = NULL;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, CH_OP_DIGEST, &op);
    if (rv == CKR_OK) {
        rv = ch_obj_get(s, key, &k);
        if (rv != CKR_OK)
            rv = CKR_KEY_HANDLE_INVALID;
    }
    if (rv == CKR_OK) {
        struct ch_mech_key view;
        pthread_rwlock_rdlock(&k->lock);
        if (k->secrets_missing)
            rv = CKR_USER_NOT_LOGGED_IN;
        else if (k->cls != CKO_SECRET_KEY)
            rv = CKR_KEY_INDIGESTIBLE;
        else {
            ch_obj_key_view(k, &view);
            rv = op->desc->ops->update_key != NULL ? op->desc->ops->update_key(op, &view)
                                                   : CKR_KEY_INDIGESTIBLE;
        }
        pthread_rwlock_unlock(&k->lock);
        if (rv != CKR_OK)
            ch_tok_session_end_op(s, CH_OP_DIGEST);
    }
    ch_obj_unref(k);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_op_final(CK_SESSION_HANDLE h, enum ch_op_kind kind, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, kind, &op);
    if (rv == CKR_OK) {
        rv = op->desc->ops->final != NULL ? op->desc->ops->final(op, out, out_len)
                                          : CKR_OPERATION_NOT_INITIALIZED;
        finish(s, kind, rv, out);
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_verify_final(CK_SESSION_HANDLE h, const uint8_t *sig, size_t sig_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, CH_OP_VERIFY, &op);
    if (rv == CKR_OK) {
        rv = op->desc->ops->verify_final != NULL ? op->desc->ops->verify_final(op, sig, sig_len)
                                                 : CKR_OPERATION_NOT_INITIALIZED;
        ch_tok_session_end_op(s, CH_OP_VERIFY);
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_dual_update(CK_SESSION_HANDLE h, enum ch_op_kind first, enum ch_op_kind second,
                         const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    struct ch_mech_op *a, *b;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, first, &a);
    if (rv == CKR_OK)
        rv = active(s, second, &b);
    if (rv != CKR_OK)
        goto out;
    /* The cipher side decides the output; the other side sees the plaintext: the input when
     * encrypting, the output when decrypting. */
    bool encrypting = second == CH_OP_ENCRYPT;
    struct ch_mech_op *cipher = encrypting ? b : a;
    struct ch_mech_op *other = encrypting ? a : b;
    enum ch_op_kind ck = encrypting ? second : first, ok = encrypting ? first : second;
    CH_CHECK_OUT(cipher->desc->ops->update != NULL && other->desc->ops->update != NULL,
                 CKR_KEY_FUNCTION_NOT_PERMITTED);
    rv = cipher->desc->ops->update(cipher, in, in_len, out, out_len);
    if (rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && out == NULL))
        goto out;
    if (rv != CKR_OK) {
        ch_tok_session_end_op(s, ck);
        goto out;
    }
    rv = encrypting ? other->desc->ops->update(other, in, in_len, NULL, NULL)
                    : other->desc->ops->update(other, out, *out_len, NULL, NULL);
    if (rv != CKR_OK)
        ch_tok_session_end_op(s, ok);
out:
    ch_tok_session_put(s);
    return rv;
}

/* ---- message-based API -------------------------------------------------------------------- */

CK_RV ch_tok_msg_oneshot(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *params,
                         size_t params_len, const uint8_t *aad, size_t aad_len, const uint8_t *in,
                         size_t in_len, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, kind, &op);
    if (rv == CKR_OK && s->msg_active[kind])
        rv = CKR_OPERATION_ACTIVE;
    if (rv == CKR_OK)
        rv = op->desc->ops->msg_oneshot != NULL
                 ? op->desc->ops->msg_oneshot(op, params, params_len, aad, aad_len, in, in_len,
                                              out, out_len)
                 : CKR_OPERATION_NOT_INITIALIZED;
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_msg_begin(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *params, size_t params_len,
                       const uint8_t *aad, size_t aad_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, kind, &op);
    if (rv == CKR_OK && s->msg_active[kind])
        rv = CKR_OPERATION_ACTIVE;
    if (rv == CKR_OK)
        rv = op->desc->ops->msg_begin != NULL
                 ? op->desc->ops->msg_begin(op, params, params_len, aad, aad_len)
                 : CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK)
        s->msg_active[kind] = true;
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_msg_next(CK_SESSION_HANDLE h, enum ch_op_kind kind, void *params, size_t params_len,
                      const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len, bool final)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, kind, &op);
    if (rv == CKR_OK && !s->msg_active[kind])
        rv = CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK) {
        rv = op->desc->ops->msg_next(op, params, params_len, in, in_len, out, out_len, final);
        bool size_only = rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && out == NULL && final);
        if (!size_only && (final || rv != CKR_OK))
            s->msg_active[kind] = false;
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_msg_verify(CK_SESSION_HANDLE h, void *params, size_t params_len, const uint8_t *in,
                        size_t in_len, const uint8_t *sig, size_t sig_len)
{
    struct ch_session *s;
    struct ch_mech_op *op;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = active(s, CH_OP_MSG_VERIFY, &op);
    if (rv == CKR_OK && s->msg_active[CH_OP_MSG_VERIFY])
        rv = CKR_OPERATION_ACTIVE;
    if (rv == CKR_OK)
        rv = op->desc->ops->msg_verify != NULL
                 ? op->desc->ops->msg_verify(op, params, params_len, in, in_len, sig, sig_len)
                 : CKR_OPERATION_NOT_INITIALIZED;
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_msg_final(CK_SESSION_HANDLE h, enum ch_op_kind kind)
{
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = s->ops[kind] != NULL ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
    /* Ending the operation with a message still open is allowed and discards it. */
    ch_tok_session_end_op(s, kind);
    ch_tok_session_put(s);
    return rv;
}

/* ---- operation state ---------------------------------------------------------------------- */

CK_RV ch_tok_get_operation_state(CK_SESSION_HANDLE h, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    CK_RV rv = CKR_OPERATION_NOT_INITIALIZED;
    for (int k = 0; k < CH_OP_COUNT_; k++) {
        if (s->ops[k] == NULL)
            continue;
        /* Only a lone digest (or MAC) is saveable, and only by families that can serialise. */
        rv = s->ops[k]->desc->ops->save != NULL ? s->ops[k]->desc->ops->save(s->ops[k], out, out_len)
                                                : CKR_STATE_UNSAVEABLE;
        break;
    }
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_set_operation_state(CK_SESSION_HANDLE h, const uint8_t *state, size_t len,
                                 CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE auth_key)
{
    (void)state;
    (void)len;
    struct ch_session *s;
    CH_TRY(ch_tok_session_get(h, &s));
    /* No family serialises state yet, so no blob we could have produced can be presented. */
    CK_RV rv = (enc_key != CK_INVALID_HANDLE || auth_key != CK_INVALID_HANDLE)
                   ? CKR_KEY_NOT_NEEDED
                   : CKR_SAVED_STATE_INVALID;
    ch_tok_session_put(s);
    return rv;
}

/* ---- key management ------------------------------------------------------------------------ */

CK_RV ch_tok_validate_key(struct ch_object *o)
{
    if (o->cls != CKO_PUBLIC_KEY && o->cls != CKO_PRIVATE_KEY && o->cls != CKO_SECRET_KEY)
        return CKR_OK;
    struct ch_mech_key view;
    ch_obj_key_view(o, &view);
    return ch_mech_key_validate(&view);
}

static const char *label_of(const struct ch_object *o, char *buf, size_t cap)
{
    const struct ch_attr *l = ch_obj_attr(o, CKA_LABEL);
    if (l == NULL || l->len == 0)
        return NULL;
    size_t n = l->len < cap - 1 ? l->len : cap - 1;
    memcpy(buf, l->val, n);
    buf[n] = '\0';
    return buf;
}

CK_RV ch_tok_generate_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech, const CK_ATTRIBUTE *tmpl,
                          size_t n, CK_OBJECT_HANDLE *out)
{
    struct ch_session *s;
    const struct ch_mech_desc *d;
    struct ch_attr_list list = {0};
    struct ch_object *o = NULL;
    char lb[128];
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(find_mech(mech, CKF_GENERATE, &d));
    CH_CHECK_OUT(d->ops->generate_key != NULL, CKR_MECHANISM_INVALID);
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    struct ch_mech_tmpl t = {tmpl, n};
    CH_TRY_OUT(d->ops->generate_key(d, mech, &t, &list));
    CH_TRY_OUT(ch_obj_new_from(s, CH_ORIGIN_GENERATE, tmpl, n, &list, mech->mechanism, &o));
    CH_TRY_OUT(ch_obj_publish(s, o, NULL));
    *out = o->handle;
    if (o->on_token)
        ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_GENERATE, h, mech->mechanism, o->store_id,
                     label_of(o, lb, sizeof(lb)), CKR_OK);
out:
    if (rv != CKR_OK && s != NULL && mech != NULL)
        ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_GENERATE, h, mech->mechanism, 0, NULL, rv);
    ch_obj_unref(o);
    ch_attr_list_clear(&list);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_generate_key_pair(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                               const CK_ATTRIBUTE *pub_tmpl, size_t pub_n,
                               const CK_ATTRIBUTE *priv_tmpl, size_t priv_n,
                               CK_OBJECT_HANDLE *pub_out, CK_OBJECT_HANDLE *priv_out)
{
    struct ch_session *s;
    const struct ch_mech_desc *d;
    struct ch_attr_list pl = {0}, vl = {0};
    struct ch_object *pub = NULL, *priv = NULL;
    char lb[128];
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(find_mech(mech, CKF_GENERATE_KEY_PAIR, &d));
    CH_CHECK_OUT(d->ops->generate_key_pair != NULL, CKR_MECHANISM_INVALID);
    CH_TRY_OUT(ch_attr_check_template(pub_tmpl, pub_n));
    CH_TRY_OUT(ch_attr_check_template(priv_tmpl, priv_n));
    struct ch_mech_tmpl pt = {pub_tmpl, pub_n}, vt = {priv_tmpl, priv_n};
    /* The family runs the pairwise-consistency test before returning the pair. */
    CH_TRY_OUT(d->ops->generate_key_pair(d, mech, &pt, &vt, &pl, &vl));
    CH_TRY_OUT(ch_obj_new_from(s, CH_ORIGIN_GENERATE, pub_tmpl, pub_n, &pl, mech->mechanism, &pub));
    CH_TRY_OUT(ch_obj_new_from(s, CH_ORIGIN_GENERATE, priv_tmpl, priv_n, &vl, mech->mechanism,
                               &priv));
    CH_TRY_OUT(ch_obj_publish(s, pub, priv));
    *pub_out = pub->handle;
    *priv_out = priv->handle;
    if (pub->on_token || priv->on_token)
        ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_GENERATE_PAIR, h, mech->mechanism, priv->store_id,
                     label_of(priv, lb, sizeof(lb)), CKR_OK);
out:
    if (rv != CKR_OK && mech != NULL)
        ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_GENERATE_PAIR, h, mech->mechanism, 0, NULL, rv);
    ch_obj_unref(pub);
    ch_obj_unref(priv);
    ch_attr_list_clear(&pl);
    ch_attr_list_clear(&vl);
    ch_tok_session_put(s);
    return rv;
}

/* Does every attribute of the flattened template `tmpl` (a CKA_WRAP/UNWRAP_TEMPLATE value) match
 * the object's? (PKCS#11 3.0 §4.11 CKA_WRAP_TEMPLATE.) */
static bool template_matches(const struct ch_attr *tmpl, const struct ch_object *o)
{
    size_t off = 0;
    while (tmpl != NULL && off + 16 <= tmpl->len) {
        uint64_t t = 0, l = 0;
        for (int i = 0; i < 8; i++) {
            t |= (uint64_t)tmpl->val[off + (size_t)i] << (8 * i);
            l |= (uint64_t)tmpl->val[off + 8 + (size_t)i] << (8 * i);
        }
        if (l > tmpl->len - off - 16)
            return false; /* malformed template blob: match nothing */
        const struct ch_attr *a = ch_obj_attr(o, (CK_ATTRIBUTE_TYPE)t);
        /* A template may name a secret value: compare those in constant time. */
        if (a == NULL || a->len != l ||
            (l && !(a->secret ? ch_ct_eq(a->val, tmpl->val + off + 16, (size_t)l)
                              : memcmp(a->val, tmpl->val + off + 16, (size_t)l) == 0)))
            return false;
        off += 16 + (size_t)l;
    }
    return true;
}

CK_RV ch_tok_wrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech, CK_OBJECT_HANDLE wrapping_key,
                      CK_OBJECT_HANDLE key, uint8_t *out, size_t *out_len)
{
    struct ch_session *s;
    struct ch_object *wk = NULL, *k = NULL;
    const struct ch_mech_desc *d;
    uint8_t *bytes = NULL;
    size_t blen = 0;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(find_mech(mech, CKF_WRAP, &d));
    CH_CHECK_OUT(d->ops->wrap != NULL, CKR_MECHANISM_INVALID);
    if (ch_obj_get(s, wrapping_key, &wk) != CKR_OK) {
        rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
        goto out;
    }
    if (ch_obj_get(s, key, &k) != CKR_OK) {
        rv = CKR_KEY_HANDLE_INVALID;
        goto out;
    }
    pthread_rwlock_rdlock(&k->lock);
    if (k->cls != CKO_SECRET_KEY && k->cls != CKO_PRIVATE_KEY)
        rv = CKR_KEY_NOT_WRAPPABLE;
    else if (!ch_obj_bool(k, CKA_EXTRACTABLE, false))
        rv = CKR_KEY_UNEXTRACTABLE;
    else if (k->secrets_missing)
        rv = CKR_USER_NOT_LOGGED_IN;
    else {
        struct ch_mech_key kv;
        ch_obj_key_view(k, &kv);
        rv = ch_mech_key_export(&kv, &bytes, &blen);
    }
    bool need_trusted = ch_obj_bool(k, CKA_WRAP_WITH_TRUSTED, false);
    pthread_rwlock_rdlock(&wk->lock);
    if (rv == CKR_OK)
        rv = key_policy(wk, d, CKA_WRAP);
    if (rv == CKR_OK && need_trusted && !ch_obj_bool(wk, CKA_TRUSTED, false))
        rv = CKR_KEY_NOT_WRAPPABLE;
    if (rv == CKR_OK && !template_matches(ch_obj_attr(wk, CKA_WRAP_TEMPLATE), k))
        rv = CKR_KEY_NOT_WRAPPABLE;
    if (rv == CKR_OK) {
        struct ch_mech_key wv;
        ch_obj_key_view(wk, &wv);
        rv = d->ops->wrap(d, mech, &wv, bytes, blen, out, out_len);
    }
    pthread_rwlock_unlock(&wk->lock);
    pthread_rwlock_unlock(&k->lock);
    if (rv == CKR_OK && out != NULL)
        ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_WRAP, h, mech->mechanism, k->store_id, NULL, rv);
out:
    ch_secmem_free(bytes);
    ch_obj_unref(wk);
    ch_obj_unref(k);
    ch_tok_session_put(s);
    return rv;
}

/* New key from unwrapped or derived bytes: template + value (+ decoded private-key parts). */
static CK_RV new_key_from_bytes(struct ch_session *s, enum ch_obj_origin origin,
                                const CK_ATTRIBUTE *tmpl, size_t n, const uint8_t *plain,
                                size_t plain_len, struct ch_attr_list *extra, bool data_ok,
                                struct ch_object **out)
{
    CK_ULONG cls = CKO_SECRET_KEY;
    struct ch_mech_tmpl t = {tmpl, n};
    (void)ch_mech_tmpl_ulong(&t, CKA_CLASS, &cls);
    if (cls == CKO_PRIVATE_KEY && plain != NULL) {
        CH_TRY(ch_mech_key_import_pkcs8(plain, plain_len, extra));
    } else if (cls == CKO_SECRET_KEY) {
        if (plain != NULL)
            CH_TRY(ch_attr_list_add(extra, CKA_VALUE, plain, plain_len, true));
        CK_ULONG want;
        if (ch_mech_tmpl_ulong(&t, CKA_VALUE_LEN, &want)) {
            /* CKA_VALUE_LEN in an unwrap/derive template must agree with the value. */
            for (size_t i = 0; i < extra->n; i++)
                if (extra->v[i].type == CKA_VALUE && extra->v[i].len != want)
                    return CKR_TEMPLATE_INCONSISTENT;
        }
    } else if (cls != CKO_DATA || !data_ok) {
        /* Data objects come only from CKM_HKDF_DATA (which puts CKA_VALUE in extra). */
        return CKR_TEMPLATE_INCONSISTENT;
    }
    CH_TRY(ch_attr_list_add_ulong(extra, CKA_CLASS, cls));
    return ch_obj_new_from(s, origin, tmpl, n, extra, CK_UNAVAILABLE_INFORMATION, out);
}

/* The CKA_VALUE_LEN of a derive/unwrap template is consumed by the mechanism: strip it so the
 * attribute policy (computed for secret keys) accepts the rest. */
static size_t strip_value_len(const CK_ATTRIBUTE *in, size_t n, CK_ATTRIBUTE **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    CK_ATTRIBUTE *c = calloc(n, sizeof(*c));
    if (c == NULL)
        return SIZE_MAX;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i].type != CKA_VALUE_LEN)
            c[m++] = in[i];
    *out = c;
    return m;
}

CK_RV ch_tok_unwrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech,
                        CK_OBJECT_HANDLE unwrapping_key, const uint8_t *wrapped,
                        size_t wrapped_len, const CK_ATTRIBUTE *tmpl, size_t n,
                        CK_OBJECT_HANDLE *out)
{
    struct ch_session *s;
    struct ch_object *uk = NULL, *o = NULL;
    const struct ch_mech_desc *d;
    struct ch_attr_list extra = {0};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    CK_ATTRIBUTE *t2 = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(find_mech(mech, CKF_UNWRAP, &d));
    CH_CHECK_OUT(d->ops->unwrap != NULL, CKR_MECHANISM_INVALID);
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    if (ch_obj_get(s, unwrapping_key, &uk) != CKR_OK) {
        rv = CKR_UNWRAPPING_KEY_HANDLE_INVALID;
        goto out;
    }
    pthread_rwlock_rdlock(&uk->lock);
    rv = key_policy(uk, d, CKA_UNWRAP);
    if (rv == CKR_OK) {
        struct ch_mech_key uv;
        ch_obj_key_view(uk, &uv);
        rv = d->ops->unwrap(d, mech, &uv, wrapped, wrapped_len, &plain, &plain_len);
    }
    pthread_rwlock_unlock(&uk->lock);
    CH_TRY_OUT(rv);
    size_t n2 = strip_value_len(tmpl, n, &t2);
    CH_CHECK_OUT(n2 != SIZE_MAX, CKR_HOST_MEMORY);
    CH_TRY_OUT(new_key_from_bytes(s, CH_ORIGIN_UNWRAP, t2, n2, plain, plain_len, &extra, false, &o));
    pthread_rwlock_rdlock(&uk->lock);
    bool ok = template_matches(ch_obj_attr(uk, CKA_UNWRAP_TEMPLATE), o);
    pthread_rwlock_unlock(&uk->lock);
    CH_CHECK_OUT(ok, CKR_TEMPLATE_INCONSISTENT);
    CH_TRY_OUT(ch_obj_publish(s, o, NULL));
    *out = o->handle;
    if (o->on_token)
        ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_UNWRAP, h, mech->mechanism, o->store_id, NULL, CKR_OK);
out:
    free(t2);
    ch_secmem_free(plain);
    ch_attr_list_clear(&extra);
    ch_obj_unref(o);
    ch_obj_unref(uk);
    ch_tok_session_put(s);
    return rv;
}

/* The additional keys a derivation asks for (SP 800-108, PKCS#11 3.2 "Deriving Additional
 * Keys"): a copy of the caller's CK_DERIVED_KEY array, taken once so later reads cannot see it
 * change. Every phKey given is set to CK_INVALID_HANDLE first and written again only when all
 * keys exist: on any failure, including one caused by a single entry's template, they all read
 * CK_INVALID_HANDLE (the spec marks the offending template that way; marking all is the simple
 * compliant reading, as no key was created). An entry without phKey or template is
 * CKR_MECHANISM_PARAM_INVALID; templates get the checks of the C_DeriveKey one. */
static CK_RV extra_keys_take(const struct ch_mech_desc *d, const CK_MECHANISM *mech,
                             CK_DERIVED_KEY **out, size_t *n)
{
    const CK_DERIVED_KEY *src = NULL;
    size_t cnt = 0;
    CK_RV rv = CKR_OK;
    *out = NULL;
    *n = 0;
    if (d->ops->extra_keys == NULL)
        return CKR_OK;
    CH_TRY(d->ops->extra_keys(mech, &src, &cnt));
    if (cnt == 0)
        return CKR_OK;
    CH_CHECK(cnt <= CH_MECH_MAX_EXTRA_KEYS, CKR_MECHANISM_PARAM_INVALID);
    CK_DERIVED_KEY *c = calloc(cnt, sizeof(*c));
    CH_CHECK(c != NULL, CKR_HOST_MEMORY);
    memcpy(c, src, cnt * sizeof(*c));
    for (size_t i = 0; i < cnt; i++)
        if (c[i].phKey != NULL)
            *c[i].phKey = CK_INVALID_HANDLE;
    for (size_t i = 0; rv == CKR_OK && i < cnt; i++) {
        if (c[i].phKey == NULL || c[i].pTemplate == NULL)
            rv = CKR_MECHANISM_PARAM_INVALID;
        else
            rv = ch_attr_check_template(c[i].pTemplate, c[i].ulAttributeCount);
    }
    if (rv != CKR_OK) {
        free(c);
        return rv;
    }
    *out = c;
    *n = cnt;
    return CKR_OK;
}

/* An unpublished key object from a derive template and the mechanism's attributes. base_as /
 * base_ne: the base key(s) were ALWAYS_SENSITIVE / NEVER_EXTRACTABLE. */
static CK_RV derived_object(struct ch_session *s, const struct ch_mech_tmpl *t,
                            struct ch_attr_list *extra, bool data_ok, bool base_as, bool base_ne,
                            struct ch_object **out)
{
    struct ch_object *o = NULL;
    CK_ATTRIBUTE *t2 = NULL;
    CK_RV rv;
    size_t n2 = strip_value_len(t->attrs, t->n, &t2);
    CH_CHECK(n2 != SIZE_MAX, CKR_HOST_MEMORY);
    CH_TRY_OUT(new_key_from_bytes(s, CH_ORIGIN_DERIVE, t2, n2, NULL, 0, extra, data_ok, &o));
    if (o->cls == CKO_SECRET_KEY || o->cls == CKO_PRIVATE_KEY) {
        /* §4.12 footnotes: a derived key keeps ALWAYS_SENSITIVE / NEVER_EXTRACTABLE only if its
         * base key(s) had them and it is itself sensitive / non-extractable. */
        CK_BBOOL as = base_as && ch_obj_bool(o, CKA_SENSITIVE, false);
        CK_BBOOL ne = base_ne && !ch_obj_bool(o, CKA_EXTRACTABLE, true);
        CH_TRY_OUT(ch_obj_set_raw(o, CKA_ALWAYS_SENSITIVE, &as, 1, false));
        CH_TRY_OUT(ch_obj_set_raw(o, CKA_NEVER_EXTRACTABLE, &ne, 1, false));
    }
    *out = o;
    o = NULL;
    rv = CKR_OK;
out:
    ch_obj_unref(o);
    free(t2);
    return rv;
}

CK_RV ch_tok_derive_key(CK_SESSION_HANDLE h, const CK_MECHANISM *mech, CK_OBJECT_HANDLE base,
                        const CK_ATTRIBUTE *tmpl, size_t n, CK_OBJECT_HANDLE *out)
{
    struct ch_session *s;
    struct ch_object *bk = NULL, *k2 = NULL;
    /* Key 0 is the C_DeriveKey key, 1.. the additional ones (all or none are published). */
    struct ch_object *objs[1 + CH_MECH_MAX_EXTRA_KEYS] = {NULL};
    struct ch_attr_list extra[1 + CH_MECH_MAX_EXTRA_KEYS];
    struct ch_mech_tmpl t[1 + CH_MECH_MAX_EXTRA_KEYS];
    const struct ch_mech_desc *d;
    CK_DERIVED_KEY *more = NULL;
    size_t nmore = 0, nkeys = 1;
    bool base_as = false, base_ne = false;
    CK_RV rv;
    memset(extra, 0, sizeof(extra));
    *out = CK_INVALID_HANDLE; /* on failure no key exists */
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(find_mech(mech, CKF_DERIVE, &d));
    CH_CHECK_OUT(d->ops->derive != NULL, CKR_MECHANISM_INVALID);
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    CH_TRY_OUT(extra_keys_take(d, mech, &more, &nmore));
    nkeys = 1 + nmore;
    t[0] = (struct ch_mech_tmpl){tmpl, n};
    for (size_t i = 0; i < nmore; i++)
        t[1 + i] = (struct ch_mech_tmpl){more[i].pTemplate, more[i].ulAttributeCount};
    if (ch_obj_get(s, base, &bk) != CKR_OK) {
        rv = CKR_KEY_HANDLE_INVALID;
        goto out;
    }
    /* A second key named by the parameter (salt key, key to concatenate): the same visibility
     * and login rules as the base; its class and type are the mechanism's to judge. */
    CK_OBJECT_HANDLE h2 = d->ops->second_key != NULL ? d->ops->second_key(mech) : CK_INVALID_HANDLE;
    if (h2 != CK_INVALID_HANDLE && ch_obj_get(s, h2, &k2) != CKR_OK) {
        rv = CKR_KEY_HANDLE_INVALID;
        goto out;
    }
    pthread_rwlock_rdlock(&bk->lock);
    if (k2 != NULL && k2 != bk)
        pthread_rwlock_rdlock(&k2->lock);
    rv = key_policy(bk, d, CKA_DERIVE);
    if (rv == CKR_OK && k2 != NULL && k2->secrets_missing)
        rv = CKR_USER_NOT_LOGGED_IN;
    if (rv == CKR_OK) {
        struct ch_mech_key bv, kv2;
        ch_obj_key_view(bk, &bv);
        if (k2 != NULL) {
            ch_obj_key_view(k2, &kv2);
            rv = d->ops->derive_with != NULL && nmore == 0
                     ? d->ops->derive_with(d, mech, &bv, &kv2, &t[0], &extra[0])
                     : CKR_MECHANISM_PARAM_INVALID;
        } else if (nmore > 0) {
            rv = d->ops->derive_multi != NULL
                     ? d->ops->derive_multi(d, mech, &bv, t, nkeys, extra)
                     : CKR_MECHANISM_PARAM_INVALID;
        } else {
            rv = d->ops->derive(d, mech, &bv, &t[0], &extra[0]);
        }
        base_as = ch_obj_bool(bk, CKA_ALWAYS_SENSITIVE, false);
        base_ne = ch_obj_bool(bk, CKA_NEVER_EXTRACTABLE, false);
        if (k2 != NULL) {
            base_as = base_as && ch_obj_bool(k2, CKA_ALWAYS_SENSITIVE, false);
            base_ne = base_ne && ch_obj_bool(k2, CKA_NEVER_EXTRACTABLE, false);
        }
    }
    if (k2 != NULL && k2 != bk)
        pthread_rwlock_unlock(&k2->lock);
    pthread_rwlock_unlock(&bk->lock);
    CH_TRY_OUT(rv);
    for (size_t i = 0; i < nkeys; i++)
        CH_TRY_OUT(derived_object(s, &t[i], &extra[i], i == 0 && d->type == CKM_HKDF_DATA, base_as,
                                  base_ne, &objs[i]));
    CH_TRY_OUT(ch_obj_publish_many(s, objs, nkeys));
    *out = objs[0]->handle;
    for (size_t i = 0; i < nmore; i++)
        *more[i].phKey = objs[1 + i]->handle;
    for (size_t i = 0; i < nkeys; i++)
        if (objs[i]->on_token)
            ch_tok_audit(s->tok, CH_AUDIT_EV_KEY_DERIVE, h, mech->mechanism, objs[i]->store_id,
                         NULL, CKR_OK);
out:
    free(more);
    for (size_t i = 0; i < nkeys; i++) {
        ch_attr_list_clear(&extra[i]);
        ch_obj_unref(objs[i]);
    }
    ch_obj_unref(bk);
    ch_obj_unref(k2);
    ch_tok_session_put(s);
    return rv;
}

static CK_RV kem_common(CK_SESSION_HANDLE h, const CK_MECHANISM *mech, CK_OBJECT_HANDLE key,
                        const CK_ATTRIBUTE *tmpl, size_t n, bool encap, const uint8_t *ct_in,
                        size_t ct_in_len, uint8_t *ct_out, size_t *ct_len, CK_OBJECT_HANDLE *out)
{
    struct ch_session *s;
    struct ch_object *k = NULL, *o = NULL;
    const struct ch_mech_desc *d;
    struct ch_attr_list extra = {0};
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    CK_ATTRIBUTE *t2 = NULL;
    CK_RV rv;
    CH_TRY(ch_tok_session_get(h, &s));
    CH_CHECK_OUT(!ch_fips_in_error(), CKR_GENERAL_ERROR);
    CH_TRY_OUT(find_mech(mech, encap ? CKF_ENCAPSULATE : CKF_DECAPSULATE, &d));
    CH_CHECK_OUT(encap ? d->ops->encapsulate != NULL : d->ops->decapsulate != NULL,
                 CKR_MECHANISM_INVALID);
    CH_TRY_OUT(ch_attr_check_template(tmpl, n));
    if (ch_obj_get(s, key, &k) != CKR_OK) {
        rv = CKR_KEY_HANDLE_INVALID;
        goto out;
    }
    pthread_rwlock_rdlock(&k->lock);
    rv = key_policy(k, d, encap ? CKA_ENCAPSULATE : CKA_DECAPSULATE);
    if (rv == CKR_OK) {
        struct ch_mech_key kv;
        ch_obj_key_view(k, &kv);
        rv = encap ? d->ops->encapsulate(d, mech, &kv, ct_out, ct_len, &secret, &secret_len)
                   : d->ops->decapsulate(d, mech, &kv, ct_in, ct_in_len, &secret, &secret_len);
    }
    pthread_rwlock_unlock(&k->lock);
    CH_TRY_OUT(rv);
    if (encap && ct_out == NULL)
        goto out; /* size query: no key is created */
    size_t n2 = strip_value_len(tmpl, n, &t2);
    CH_CHECK_OUT(n2 != SIZE_MAX, CKR_HOST_MEMORY);
    CH_TRY_OUT(new_key_from_bytes(s, CH_ORIGIN_DERIVE, t2, n2, secret, secret_len, &extra, false,
                                  &o));
    CH_TRY_OUT(ch_obj_publish(s, o, NULL));
    *out = o->handle;
    if (o->on_token)
        ch_tok_audit(s->tok, encap ? CH_AUDIT_EV_KEY_ENCAPSULATE : CH_AUDIT_EV_KEY_DECAPSULATE, h,
                     mech->mechanism, o->store_id, NULL, CKR_OK);
out:
    free(t2);
    ch_secmem_free(secret);
    ch_attr_list_clear(&extra);
    ch_obj_unref(o);
    ch_obj_unref(k);
    ch_tok_session_put(s);
    return rv;
}

CK_RV ch_tok_encapsulate(CK_SESSION_HANDLE h, const CK_MECHANISM *mech, CK_OBJECT_HANDLE pub,
                         const CK_ATTRIBUTE *tmpl, size_t n, uint8_t *ct, size_t *ct_len,
                         CK_OBJECT_HANDLE *out)
{
    return kem_common(h, mech, pub, tmpl, n, true, NULL, 0, ct, ct_len, out);
}

CK_RV ch_tok_decapsulate(CK_SESSION_HANDLE h, const CK_MECHANISM *mech, CK_OBJECT_HANDLE priv,
                         const CK_ATTRIBUTE *tmpl, size_t n, const uint8_t *ct, size_t ct_len,
                         CK_OBJECT_HANDLE *out)
{
    return kem_common(h, mech, priv, tmpl, n, false, ct, ct_len, NULL, NULL, out);
}
