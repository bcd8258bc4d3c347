/* SPDX-License-Identifier: Apache-2.0 */
/* The token layer's one door to the audit log: fills the event from the token's state. Only
 * fixed event names, handles, mechanism types, store ids, labels and result codes are written;
 * the event structure has no room for anything secret. */
#include "audit/audit.h"
#include "token/tok_internal.h"
#include "util/ch_log.h"

static void emit(struct ch_token *tok, const char *event, CK_SESSION_HANDLE h, long user,
                 CK_MECHANISM_TYPE mech, uint64_t object_id, const char *label, CK_RV rv)
{
    struct ch_audit_event ev = {
        .event = event,
        .slot = (uint32_t)tok->slot,
        .session = h,
        .user_type = user,
        .mechanism = mech,
        .object_id = object_id,
        .label = label,
        .rv = rv,
    };
    if (ch_audit_log(tok->audit, &ev) != CKR_OK)
        ch_log(CH_LOG_ERROR, "slot %lu: cannot append to the audit log (event %s)",
               (unsigned long)tok->slot, event);
}

void ch_tok_audit(struct ch_token *tok, const char *event, CK_SESSION_HANDLE h,
                  CK_MECHANISM_TYPE mech, uint64_t object_id, const char *label, CK_RV rv)
{
    if (tok == NULL || tok->audit == NULL)
        return;
    long user = CH_AUDIT_USER_NONE;
    enum ch_login login = __atomic_load_n(&tok->login, __ATOMIC_ACQUIRE);
    if (login == CH_LOGIN_USER)
        user = (long)CKU_USER;
    else if (login == CH_LOGIN_SO)
        user = (long)CKU_SO;
    emit(tok, event, h, user, mech, object_id, label, rv);
}

void ch_tok_audit_login(struct ch_token *tok, CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_RV rv)
{
    if (tok == NULL || tok->audit == NULL)
        return;
    /* The role that tried, whether or not it succeeded; a lockout shows as CKR_PIN_LOCKED. */
    emit(tok, CH_AUDIT_EV_LOGIN, h, (long)who, CK_UNAVAILABLE_INFORMATION, 0, NULL, rv);
}
