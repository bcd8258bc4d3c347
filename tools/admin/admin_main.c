/* SPDX-License-Identifier: Apache-2.0 */
/* craton-hsm-admin: command-line parsing, the command table with each command's help, the
 * configuration and the PKCS#11 module (dlopen'd by path, see craton-hsm-admin(1)), dispatch
 * and exit codes. Commands live in admin_p11.c, admin_keys.c and admin_cmds.c. */
#include <dlfcn.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_int.h"
#include "util/ch_config.h"

#ifndef CH_ADMIN_DEFAULT_MODULE
#define CH_ADMIN_DEFAULT_MODULE "/usr/local/lib/libcraton_hsm.so"
#endif
#ifndef CH_ADMIN_VERSION
#define CH_ADMIN_VERSION "0"
#endif

enum {
    O_CONFIG = 0, O_STORAGE, O_MODULE, O_JSON, O_QUIET, O_HELP, O_FORCE, O_YES, O_INSECURE, O_SLOT,
    O_LABEL, O_ID, O_CLASS, O_SO_PIN_FILE, O_SO_PIN, O_PIN_FILE, O_PIN, O_NEW_PIN_FILE, O_NEW_PIN,
    O_PASS_FILE, O_PASS, O_SO, O_LOGIN, O_INPUT, O_OUTPUT, O_FORMAT, O_TYPE, O_START, O_END,
    O_SINCE, O_UNTIL, O_EVENT, O_ITER, O_FILE, O_KEY_PASS_FILE, O_KEY_PASS, O_COUNT_
};
#define B(x) (1ull << (x))
#define GLOBAL (B(O_CONFIG) | B(O_STORAGE) | B(O_MODULE) | B(O_QUIET) | B(O_HELP))
#define SO_PIN_SRC (B(O_SO_PIN_FILE) | B(O_SO_PIN) | B(O_INSECURE))
#define PIN_SRC (B(O_PIN_FILE) | B(O_PIN) | B(O_INSECURE))
#define NEW_PIN_SRC (B(O_NEW_PIN_FILE) | B(O_NEW_PIN) | B(O_INSECURE))
#define PASS_SRC (B(O_PASS_FILE) | B(O_PASS) | B(O_INSECURE))
#define SEL (B(O_SLOT) | B(O_LABEL) | B(O_ID) | B(O_CLASS))

static const struct option long_opts[] = {
    {"config", required_argument, NULL, O_CONFIG},
    {"storage", required_argument, NULL, O_STORAGE},
    {"module", required_argument, NULL, O_MODULE},
    {"json", no_argument, NULL, O_JSON},
    {"quiet", no_argument, NULL, O_QUIET},
    {"help", no_argument, NULL, O_HELP},
    {"force", no_argument, NULL, O_FORCE},
    {"yes", no_argument, NULL, O_YES},
    {"insecure-pin-on-command-line", no_argument, NULL, O_INSECURE},
    {"slot", required_argument, NULL, O_SLOT},
    {"label", required_argument, NULL, O_LABEL},
    {"id", required_argument, NULL, O_ID},
    {"class", required_argument, NULL, O_CLASS},
    {"so-pin-file", required_argument, NULL, O_SO_PIN_FILE},
    {"so-pin", required_argument, NULL, O_SO_PIN},
    {"pin-file", required_argument, NULL, O_PIN_FILE},
    {"pin", required_argument, NULL, O_PIN},
    {"new-pin-file", required_argument, NULL, O_NEW_PIN_FILE},
    {"new-pin", required_argument, NULL, O_NEW_PIN},
    {"passphrase-file", required_argument, NULL, O_PASS_FILE},
    {"passphrase", required_argument, NULL, O_PASS},
    {"so", no_argument, NULL, O_SO},
    {"login", no_argument, NULL, O_LOGIN},
    {"input", required_argument, NULL, O_INPUT},
    {"output", required_argument, NULL, O_OUTPUT},
    {"format", required_argument, NULL, O_FORMAT},
    {"type", required_argument, NULL, O_TYPE},
    {"start", required_argument, NULL, O_START},
    {"end", required_argument, NULL, O_END},
    {"since", required_argument, NULL, O_SINCE},
    {"until", required_argument, NULL, O_UNTIL},
    {"event", required_argument, NULL, O_EVENT},
    {"kdf-iterations", required_argument, NULL, O_ITER},
    {"file", required_argument, NULL, O_FILE},
    {"key-passphrase-file", required_argument, NULL, O_KEY_PASS_FILE},
    {"key-passphrase", required_argument, NULL, O_KEY_PASS},
    {NULL, 0, NULL, 0},
};

struct cmd {
    const char *w1, *w2; /* command words ("key", "list"); w2 NULL for one-word commands */
    int (*run)(struct ctx *c);
    uint64_t allowed;    /* options besides GLOBAL */
    uint64_t required;
    bool module;         /* needs the PKCS#11 module */
    const char *usage;
    const char *help;
};

static int run_pin_init(struct ctx *c) { return ch_admin_cmd_pin_init(c, false); }
static int run_pin_unlock(struct ctx *c) { return ch_admin_cmd_pin_init(c, true); }

static const struct cmd cmds[] = {
    {"status", NULL, ch_admin_cmd_status, B(O_JSON), 0, true, "status [--json]",
     "Module version, configuration file in use, storage directory, slots and tokens, self-test\n"
     "result (the module ran its power-on tests in C_Initialize) and approved-only mode."},
    {"slots", NULL, ch_admin_cmd_slots, B(O_JSON), 0, true, "slots [--json]",
     "List every slot and its token: label, serial, flags, PIN state. Alias: list."},
    {"list", NULL, ch_admin_cmd_slots, B(O_JSON), 0, true, "list [--json]",
     "Same as 'slots'."},
    {"config", "check", ch_admin_cmd_config_check, B(O_JSON), 0, false,
     "config check [--config FILE] [--json]",
     "Load the configuration (CRATON_HSM_CONFIG or --config) and report errors with file,\n"
     "line and key, or print the effective settings."},
    {"token", "init", ch_admin_cmd_token_init, B(O_SLOT) | B(O_LABEL) | B(O_FORCE) | SO_PIN_SRC,
     B(O_SLOT) | B(O_LABEL), true,
     "token init --slot N --label LABEL [--so-pin-file FILE] [--force]",
     "Initialize the token in slot N (C_InitToken). The SO PIN is asked on the terminal (twice),\n"
     "or read from --so-pin-file FILE (mode 0600) or CRATON_HSM_SO_PIN. Re-initializing a token\n"
     "that is already initialized destroys all its objects and needs --force and its SO PIN."},
    {"token", "delete", ch_admin_cmd_token_delete, B(O_SLOT) | B(O_YES) | SO_PIN_SRC, B(O_SLOT),
     true, "token delete --slot N [--so-pin-file FILE] [--yes]",
     "Delete the token in slot N: the SO PIN is verified (C_Login), then its database files are\n"
     "removed. Its audit log is kept, renamed with a '.deleted-<time>' suffix. Without --yes the\n"
     "token label must be typed on the terminal to confirm."},
    {"pin", "init", run_pin_init, B(O_SLOT) | SO_PIN_SRC | NEW_PIN_SRC, B(O_SLOT), true,
     "pin init --slot N [--so-pin-file FILE] [--new-pin-file FILE]",
     "Set the user PIN (C_InitPIN as the SO). The new PIN comes from --new-pin-file,\n"
     "CRATON_HSM_NEW_PIN or the terminal (twice)."},
    {"pin", "change", ch_admin_cmd_pin_change, B(O_SLOT) | B(O_SO) | SO_PIN_SRC | PIN_SRC |
     B(O_NEW_PIN_FILE) | B(O_NEW_PIN), B(O_SLOT), true,
     "pin change --slot N [--so] [--pin-file FILE | --so-pin-file FILE] [--new-pin-file FILE]",
     "Change the user PIN (or with --so the SO PIN) with C_SetPIN: old PIN, then the new one."},
    {"pin", "unlock", run_pin_unlock, B(O_SLOT) | SO_PIN_SRC | NEW_PIN_SRC, B(O_SLOT), true,
     "pin unlock --slot N [--so-pin-file FILE] [--new-pin-file FILE]",
     "Reset a locked user PIN: the SO logs in and sets a new user PIN (C_InitPIN), which clears\n"
     "the failure counter and the lock."},
    {"key", "list", ch_admin_cmd_key_list, SEL | B(O_LOGIN) | PIN_SRC | B(O_JSON), B(O_SLOT), true,
     "key list --slot N [--login] [--label L] [--id HEX] [--class C] [--json]",
     "List objects: label, id (hex), class, key type, size, flags and dates. Public objects are\n"
     "visible without login; --login (or a PIN source) logs in as the user to see private ones.\n"
     "--class: private, public, secret, certificate, data."},
    {"key", "import", ch_admin_cmd_key_import, B(O_SLOT) | B(O_LABEL) | B(O_ID) | B(O_INPUT) |
     B(O_FORMAT) | PIN_SRC | B(O_KEY_PASS_FILE) | B(O_KEY_PASS), B(O_SLOT) | B(O_INPUT) |
     B(O_LABEL), true,
     "key import --slot N --input FILE --label L [--id HEX] [--format pem|der] "
     "[--key-passphrase-file FILE]",
     "Import a private key (RSA, EC on P-256/P-384/P-521, Ed25519; PKCS#8 or traditional PEM,\n"
     "or DER; an encrypted one takes its passphrase from --key-passphrase-file,\n"
     "CRATON_HSM_KEY_PASSPHRASE or the terminal) as a private and a public key object, or an\n"
     "X.509 certificate, with C_CreateObject.\n"
     "Private keys become sensitive, private token objects. The id defaults to the SHA-1 of the\n"
     "public key, so a key and its certificate share it."},
    {"key", "export-public", ch_admin_cmd_key_export_public, SEL | B(O_OUTPUT) | PIN_SRC |
     B(O_LOGIN), B(O_SLOT), true,
     "key export-public --slot N (--label L | --id HEX) [--output FILE]",
     "Write the public key (from the public key object, a certificate, or the private key's\n"
     "public attributes) as a PEM SubjectPublicKeyInfo."},
    {"key", "delete", ch_admin_cmd_key_delete, SEL | PIN_SRC, B(O_SLOT), true,
     "key delete --slot N (--label L | --id HEX) [--class C]",
     "Destroy every object matching the selection (logged in as the user)."},
    {"key", "gen", ch_admin_cmd_key_gen, B(O_SLOT) | B(O_LABEL) | B(O_ID) | B(O_TYPE) | PIN_SRC,
     B(O_SLOT) | B(O_LABEL) | B(O_TYPE), true,
     "key gen --slot N --type TYPE --label L [--id HEX]",
     "Generate a key (C_GenerateKey) or key pair (C_GenerateKeyPair) on the token. TYPE:\n"
     "rsa:BITS, ec:P-256|P-384|P-521, ed25519, aes:128|192|256, ml-dsa-44|65|87,\n"
     "ml-kem-512|768|1024, slh-dsa-{sha2,shake}-{128,192,256}{s,f} (PKCS#11 3.2 parameter sets).\n"
     "A mechanism the module does not offer is reported as CKR_MECHANISM_INVALID."},
    {"key", "set-dates", ch_admin_cmd_key_set_dates, SEL | B(O_START) | B(O_END) | PIN_SRC,
     B(O_SLOT), true,
     "key set-dates --slot N (--label L | --id HEX) [--start YYYY-MM-DD] [--end YYYY-MM-DD]",
     "Set CKA_START_DATE / CKA_END_DATE on the matching keys ('' clears a date)."},
    {"backup", NULL, ch_admin_cmd_backup, B(O_SLOT) | B(O_OUTPUT) | B(O_FORCE) | B(O_ITER) |
     PASS_SRC, B(O_SLOT) | B(O_OUTPUT), false,
     "backup --slot N --output FILE [--passphrase-file FILE] [--kdf-iterations N] [--force]",
     "Write an encrypted, authenticated archive of the whole token (PBKDF2-HMAC-SHA256 of the\n"
     "backup passphrase, AES-256-GCM, versioned header as AAD). The passphrase is asked twice\n"
     "on the terminal, or read from --passphrase-file or CRATON_HSM_BACKUP_PASSPHRASE."},
    {"restore", NULL, ch_admin_cmd_restore, B(O_SLOT) | B(O_INPUT) | B(O_FORCE) | PASS_SRC,
     B(O_INPUT), false, "restore --input FILE [--slot N] [--passphrase-file FILE] [--force]",
     "Restore an archive into slot N (default: the slot it came from). A damaged, truncated,\n"
     "foreign or wrongly keyed archive is refused and nothing is changed. Replacing an\n"
     "initialized token needs --force."},
    {"audit", "show", ch_admin_cmd_audit_show, B(O_SLOT) | B(O_FILE) | B(O_SINCE) | B(O_UNTIL) |
     B(O_EVENT) | B(O_JSON), 0, false,
     "audit show [--slot N | --file LOG] [--since T] [--until T] [--event E] [--json]",
     "Print audit entries, filtered by slot, time (RFC 3339 or YYYY-MM-DD, UTC) and event name\n"
     "(prefix match: 'key' matches key.generate, key.wrap...). --file reads any log file, e.g.\n"
     "one kept by 'token delete'."},
    {"audit", "verify", ch_admin_cmd_audit_verify, B(O_SLOT) | B(O_FILE) | B(O_JSON), 0, false,
     "audit verify [--slot N | --file LOG] [--json]",
     "Walk each slot's hash chain and compare its end with the head in the token database.\n"
     "Reports the first missing, altered or misplaced entry; exit code 4 when one is found.\n"
     "--file checks one log file's chain alone (no database head: truncation at its end is\n"
     "not visible)."},
    {"audit", "export", ch_admin_cmd_audit_export, B(O_SLOT) | B(O_FILE) | B(O_FORMAT) |
     B(O_OUTPUT) | B(O_SINCE) | B(O_UNTIL) | B(O_EVENT), 0, false,
     "audit export [--slot N | --file LOG] --format jsonl|syslog [--output FILE]",
     "Export entries: jsonl copies the lines verbatim (hashes stay checkable); syslog writes\n"
     "RFC 5424 lines (facility authpriv) with the JSON entry as the message."},
    {"selftest", NULL, ch_admin_cmd_selftest, B(O_JSON), 0, false, "selftest [--json]",
     "Run the self-tests and print each result: the integrity of the module file (HMAC-SHA-256\n"
     "against its .hmac sidecar), the known-answer tests of every algorithm family, and the\n"
     "module's own power-on self-tests (C_Initialize of the module)."},
};

static void usage_all(FILE *f)
{
    fprintf(f, "Usage: craton-hsm-admin [global options] COMMAND [options]\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  %s\n", cmds[i].usage);
    fprintf(f, "\nGlobal options:\n"
               "  --config FILE   configuration file (default: $CRATON_HSM_CONFIG, else built-in)\n"
               "  --storage DIR   storage directory when no configuration file is used\n"
               "  --module PATH   PKCS#11 module (default: $CRATON_HSM_MODULE, else "
               CH_ADMIN_DEFAULT_MODULE ")\n"
               "  --quiet         no progress or notes on stderr\n"
               "  --help          help (also after any command)\n"
               "\nExit codes: 0 ok, 1 operation failed, 2 usage or configuration error,\n"
               "3 PIN/passphrase problem, 4 integrity problem (tampering, damaged backup,\n"
               "failed self-test). See craton-hsm-admin(1).\n");
}

static void usage_cmd(FILE *f, const struct cmd *cm)
{
    fprintf(f, "Usage: craton-hsm-admin %s\n\n%s\n", cm->usage, cm->help);
    if (cm->allowed & B(O_SO_PIN))
        fprintf(f, "\nSO PIN: terminal, --so-pin-file FILE, CRATON_HSM_SO_PIN, or --so-pin VALUE "
                   "with --insecure-pin-on-command-line.");
    if (cm->allowed & B(O_PIN))
        fprintf(f, "\nUser PIN: terminal, --pin-file FILE, CRATON_HSM_PIN, or --pin VALUE with "
                   "--insecure-pin-on-command-line.");
    if (cm->allowed & B(O_NEW_PIN))
        fprintf(f, "\nNew PIN: terminal (twice), --new-pin-file FILE, CRATON_HSM_NEW_PIN, or "
                   "--new-pin VALUE with --insecure-pin-on-command-line.");
    if (cm->allowed & B(O_KEY_PASS))
        fprintf(f, "\nKey file passphrase (encrypted keys only): terminal, --key-passphrase-file "
                   "FILE, CRATON_HSM_KEY_PASSPHRASE, or --key-passphrase VALUE with "
                   "--insecure-pin-on-command-line.");
    if (cm->allowed & B(O_PASS))
        fprintf(f, "\nPassphrase: terminal, --passphrase-file FILE, CRATON_HSM_BACKUP_PASSPHRASE, "
                   "or --passphrase VALUE with --insecure-pin-on-command-line.");
    fprintf(f, "\n");
}

static const struct cmd *find_cmd(int argc, char **argv, int *words)
{
    if (argc < 1)
        return NULL;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(cmds[i].w1, argv[0]) != 0)
            continue;
        if (cmds[i].w2 == NULL) {
            *words = 1;
            return &cmds[i];
        }
        if (argc >= 2 && strcmp(cmds[i].w2, argv[1]) == 0) {
            *words = 2;
            return &cmds[i];
        }
    }
    return NULL;
}

/* Find the command words among argv (options may come before them). */
static int locate_command(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-')
            return i;
        if (strcmp(argv[i], "--") == 0)
            return i + 1 < argc ? i + 1 : -1;
        /* skip the value of an option that takes one, given as a separate word */
        if (argv[i][1] == '-' && strchr(argv[i], '=') == NULL) {
            for (const struct option *o = long_opts; o->name != NULL; o++)
                if (strcmp(argv[i] + 2, o->name) == 0 && o->has_arg == required_argument) {
                    i++;
                    break;
                }
        }
    }
    return -1;
}

static int set_opt(struct opts *o, int id, const char *arg)
{
    switch (id) {
    case O_CONFIG: o->config = arg; break;
    case O_STORAGE: o->storage = arg; break;
    case O_MODULE: o->module = arg; break;
    case O_JSON: o->json = true; break;
    case O_QUIET: o->quiet = true; break;
    case O_HELP: o->help = true; break;
    case O_FORCE: o->force = true; break;
    case O_YES: o->yes = true; break;
    case O_INSECURE: o->insecure_cli_secret = true; break;
    case O_SLOT:
        if (!ch_admin_parse_u32(arg, &o->slot) || o->slot == CH_OPT_UNSET) {
            ch_admin_err("--slot needs a slot number, not '%s'", arg);
            return -1;
        }
        break;
    case O_LABEL: o->label = arg; break;
    case O_ID: o->id_hex = arg; break;
    case O_CLASS: o->class_name = arg; break;
    case O_SO_PIN_FILE: o->so_pin_file = arg; break;
    case O_SO_PIN: o->so_pin = arg; break;
    case O_PIN_FILE: o->pin_file = arg; break;
    case O_PIN: o->pin = arg; break;
    case O_NEW_PIN_FILE: o->new_pin_file = arg; break;
    case O_NEW_PIN: o->new_pin = arg; break;
    case O_PASS_FILE: o->pass_file = arg; break;
    case O_PASS: o->pass = arg; break;
    case O_SO: o->so = true; break;
    case O_LOGIN: o->login = true; break;
    case O_INPUT: o->input = arg; break;
    case O_OUTPUT: o->output = arg; break;
    case O_FORMAT: o->format = arg; break;
    case O_TYPE: o->key_type = arg; break;
    case O_START: o->start = arg; break;
    case O_END: o->end = arg; break;
    case O_SINCE: o->since = arg; break;
    case O_UNTIL: o->until = arg; break;
    case O_EVENT: o->event = arg; break;
    case O_ITER:
        if (!ch_admin_parse_u32(arg, &o->iterations)) {
            ch_admin_err("--kdf-iterations needs a number");
            return -1;
        }
        break;
    case O_FILE: o->file = arg; break;
    case O_KEY_PASS_FILE: o->key_pass_file = arg; break;
    case O_KEY_PASS: o->key_pass = arg; break;
    default: return -1;
    }
    return 0;
}

/* ---- configuration and module --------------------------------------------------------------- */

bool ch_admin_load_config(struct ctx *c)
{
    struct ch_config *cfg = calloc(1, sizeof(*cfg));
    char err[512];
    if (cfg == NULL)
        return false;
    if (c->o->config != NULL && setenv("CRATON_HSM_CONFIG", c->o->config, 1) != 0) {
        free(cfg);
        return false;
    }
    if (ch_config_load(NULL, cfg, err, sizeof(err)) != 0) {
        ch_admin_err("configuration error: %s", err);
        free(cfg);
        return false;
    }
    if (c->o->storage != NULL) {
        if (cfg->source[0] != '\0') {
            ch_admin_err("--storage cannot override the configuration file %s: set [storage] dir "
                         "there",
                         cfg->source);
            free(cfg);
            return false;
        }
        snprintf(cfg->storage_dir, sizeof(cfg->storage_dir), "%s", c->o->storage);
    }
    snprintf(c->storage_dir, sizeof(c->storage_dir), "%s", cfg->storage_dir);
    snprintf(c->audit_dir, sizeof(c->audit_dir), "%s",
             cfg->audit_dir[0] != '\0' ? cfg->audit_dir : cfg->storage_dir);
    snprintf(c->config_source, sizeof(c->config_source), "%s", cfg->source);
    c->slot_count = cfg->slot_count;
    c->pbkdf2_iterations = cfg->pbkdf2_iterations;
    c->approved_only = cfg->approved_only;
    c->config_loaded = true;
    free(cfg);
    return true;
}

void ch_admin_storage_of(const struct ctx *c, struct ch_admin_storage *st)
{
    st->dir = c->storage_dir;
    st->audit_dir = c->audit_dir;
    st->pbkdf2_iterations = c->pbkdf2_iterations;
}

/* With --storage and no configuration file, the module gets a generated one that names the
 * directory (the module reads its settings only from CRATON_HSM_CONFIG). */
static char gen_config[64];

static bool module_config(struct ctx *c)
{
    if (c->o->storage == NULL || c->config_source[0] != '\0')
        return true;
    snprintf(gen_config, sizeof(gen_config), "/tmp/craton-hsm-admin-XXXXXX");
    int fd = mkstemp(gen_config);
    if (fd < 0)
        return false;
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return false;
    }
    fprintf(f, "[storage]\ndir = %s\n", c->storage_dir);
    fclose(f);
    return setenv("CRATON_HSM_CONFIG", gen_config, 1) == 0;
}

const char *ch_admin_module_path(struct ctx *c)
{
    const char *path = c->o->module;
    if (path == NULL)
        path = getenv("CRATON_HSM_MODULE");
    if (path == NULL) {
        path = CH_ADMIN_DEFAULT_MODULE;
#ifdef CH_ADMIN_BUILD_MODULE
        if (access(path, R_OK) != 0)
            path = CH_ADMIN_BUILD_MODULE;
#endif
    }
    snprintf(c->module_path, sizeof(c->module_path), "%s", path);
    return c->module_path;
}

int ch_admin_p11_open(struct ctx *c)
{
    const char *path = ch_admin_module_path(c);
    if (!module_config(c)) {
        ch_admin_err("cannot write a temporary configuration for --storage");
        return CH_EXIT_FAIL;
    }
    c->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (c->dl == NULL) {
        ch_admin_err("cannot load the PKCS#11 module %s: %s", path, dlerror());
        return CH_EXIT_FAIL;
    }
    CK_C_GetFunctionList gfl = NULL;
    *(void **)&gfl = dlsym(c->dl, "C_GetFunctionList");
    if (gfl == NULL) {
        ch_admin_err("%s is not a PKCS#11 module (no C_GetFunctionList)", path);
        return CH_EXIT_FAIL;
    }
    CK_RV rv = gfl(&c->p11);
    if (rv != CKR_OK || c->p11 == NULL)
        return ch_admin_p11_fail("C_GetFunctionList", rv);
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    rv = c->p11->C_Initialize(&args);
    if (rv != CKR_OK) {
        int ex = ch_admin_p11_fail("C_Initialize", rv);
        if (rv == CKR_GENERAL_ERROR)
            ch_admin_err("(the module's power-on self-tests may have failed: run 'selftest')");
        return ex;
    }
    c->p11_initialized = true;
    return CH_EXIT_OK;
}

void ch_admin_p11_close(struct ctx *c)
{
    if (c->p11_initialized)
        (void)c->p11->C_Finalize(NULL);
    c->p11_initialized = false;
    /* The module stays mapped until exit: some modules keep threads or atexit handlers. */
    if (gen_config[0] != '\0') {
        unlink(gen_config);
        gen_config[0] = '\0';
    }
}

int ch_admin_session(struct ctx *c, CK_SLOT_ID slot, bool rw, long user, CK_SESSION_HANDLE *h)
{
    CK_FLAGS fl = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    CK_RV rv = c->p11->C_OpenSession(slot, fl, NULL, NULL, h);
    if (rv != CKR_OK)
        return ch_admin_p11_fail("C_OpenSession", rv);
    if (user < 0)
        return CH_EXIT_OK;
    struct secret pin;
    int ex = ch_admin_secret_get(c, user == (long)CKU_SO ? CH_SECRET_SO_PIN : CH_SECRET_PIN, &pin);
    if (ex != CH_EXIT_OK) {
        (void)c->p11->C_CloseSession(*h);
        return ex;
    }
    rv = c->p11->C_Login(*h, (CK_USER_TYPE)user, (CK_UTF8CHAR_PTR)pin.v, (CK_ULONG)pin.len);
    ch_admin_secret_wipe(&pin);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        (void)c->p11->C_CloseSession(*h);
        return ch_admin_p11_fail("C_Login", rv);
    }
    return CH_EXIT_OK;
}

/* ---- main ----------------------------------------------------------------------------------- */

static const char *opt_name(int id)
{
    for (const struct option *o = long_opts; o->name != NULL; o++)
        if (o->val == id)
            return o->name;
    return "?";
}

int main(int argc, char **argv)
{
    struct opts o;
    struct ctx c;
    memset(&o, 0, sizeof(o));
    memset(&c, 0, sizeof(c));
    o.slot = CH_OPT_UNSET;
    c.o = &o;

    int at = locate_command(argc, argv);
    int words = 0;
    const struct cmd *cm = at > 0 ? find_cmd(argc - at, argv + at, &words) : NULL;
    if (cm == NULL) {
        bool want_help = false, want_version = false;
        for (int i = 1; i < argc; i++) {
            want_help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
                         strcmp(argv[i], "help") == 0;
            want_version |= strcmp(argv[i], "--version") == 0;
        }
        if (want_version) {
            printf("craton-hsm-admin %s\n", CH_ADMIN_VERSION);
            return CH_EXIT_OK;
        }
        if (want_help) {
            usage_all(stdout);
            return CH_EXIT_OK;
        }
        if (at > 0)
            ch_admin_err("unknown command '%s%s%s'", argv[at],
                         at + 1 < argc && argv[at + 1][0] != '-' ? " " : "",
                         at + 1 < argc && argv[at + 1][0] != '-' ? argv[at + 1] : "");
        usage_all(stderr);
        return CH_EXIT_USAGE;
    }

    /* Remove the command words, then parse every option (before or after them). */
    char **av = calloc((size_t)argc + 1, sizeof(char *));
    if (av == NULL)
        return CH_EXIT_FAIL;
    int ac = 0;
    for (int i = 0; i < argc; i++)
        if (i < at || i >= at + words)
            av[ac++] = argv[i];
    uint64_t seen = 0;
    opterr = 0;
    int ch;
    int ex = CH_EXIT_OK;
    while ((ch = getopt_long(ac, av, "+h", long_opts, NULL)) != -1) {
        if (ch == 'h')
            ch = O_HELP;
        if (ch == '?' || ch == ':') {
            ch_admin_err("unknown option or missing value: %s", av[optind - 1]);
            ex = CH_EXIT_USAGE;
            break;
        }
        if (!((GLOBAL | cm->allowed) & B(ch))) {
            ch_admin_err("option --%s does not apply to '%s%s%s'", opt_name(ch), cm->w1,
                         cm->w2 ? " " : "", cm->w2 ? cm->w2 : "");
            ex = CH_EXIT_USAGE;
            break;
        }
        seen |= B(ch);
        if (set_opt(&o, ch, optarg) != 0) {
            ex = CH_EXIT_USAGE;
            break;
        }
    }
    if (ex == CH_EXIT_OK && o.help) {
        usage_cmd(stdout, cm);
        free(av);
        return CH_EXIT_OK;
    }
    if (ex == CH_EXIT_OK && optind < ac) {
        ch_admin_err("unexpected argument '%s'", av[optind]);
        ex = CH_EXIT_USAGE;
    }
    if (ex == CH_EXIT_OK && (seen & cm->required) != cm->required) {
        for (int i = 0; i < O_COUNT_; i++)
            if ((cm->required & B(i)) && !(seen & B(i))) {
                ch_admin_err("missing --%s", opt_name(i));
                break;
            }
        ex = CH_EXIT_USAGE;
    }
    if (ex != CH_EXIT_OK) {
        fprintf(stderr, "Usage: craton-hsm-admin %s\n", cm->usage);
        free(av);
        return ex;
    }

    if (cm->run != ch_admin_cmd_config_check && !ch_admin_load_config(&c)) {
        free(av);
        return CH_EXIT_USAGE;
    }
    if (cm->module) {
        ex = ch_admin_p11_open(&c);
        if (ex != CH_EXIT_OK) {
            ch_admin_p11_close(&c);
            free(av);
            return ex;
        }
    }
    ex = cm->run(&c);
    ch_admin_p11_close(&c);
    free(av);
    return ex;
}
