/* SPDX-License-Identifier: Apache-2.0 */
/* ch-integrity: build-time tool that writes the integrity sidecar of the PKCS#11 module
 * (FIPS 140-3 §7.10.2 software integrity test; a MAC under a fixed public key as the
 * Implementation Guidance allows): "<module>.hmac" = hex(HMAC-SHA-256(key, module bytes)) + "\n",
 * checked at run time by ch_fips_post (src/fips/fips_integrity.c, same computation).
 *
 *   ch-integrity MODULE OUTPUT     write the sidecar for MODULE to OUTPUT
 *   ch-integrity --check MODULE    verify MODULE against MODULE.hmac (exit 0 = good)
 *
 * Meson wiring for src/module/meson.build (after module_lib is defined; the sidecar must be
 * built and installed whenever the module is, and installed files must not be stripped):
 *
 *   ch_integrity = executable('ch-integrity',
 *     meson.project_source_root() / 'tools' / 'integrity' / 'ch-integrity.c',
 *     dependencies : ch_dep)
 *   module_hmac = custom_target('libcraton_hsm.so.hmac',
 *     input : module_lib,
 *     output : 'libcraton_hsm.so.hmac',
 *     command : [ch_integrity, '@INPUT@', '@OUTPUT@'],
 *     build_by_default : true,   # keep equal to module_lib's build_by_default
 *     install : true,
 *     install_dir : get_option('libdir'))
 *
 * The sidecar must sit next to the loaded file (the name dladdr() reports); a symlink such as
 * libcraton_hsm.so.1 -> libcraton_hsm.so.1.0.0 needs the sidecar of the file dladdr names.
 * Tests that load the static library set CRATON_HSM_SKIP_INTEGRITY=1 (see docs/FIPS.md). */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "fips/fips.h"

static int write_sidecar(const char *module, const char *output)
{
    uint8_t mac[32];
    char tmp[4096];
    FILE *f;
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", output);

    if (n <= 0 || (size_t)n >= sizeof(tmp)) {
        fprintf(stderr, "ch-integrity: output path too long\n");
        return 1;
    }
    if (ch_fips_integrity_compute(module, mac) != CKR_OK) {
        fprintf(stderr, "ch-integrity: cannot read %s\n", module);
        return 1;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "ch-integrity: cannot create %s\n", tmp);
        return 1;
    }
    for (size_t i = 0; i < sizeof(mac); i++)
        fprintf(f, "%02x", mac[i]);
    fputc('\n', f);
    /* Write-then-rename: a failed build never leaves a truncated sidecar behind. */
    if (fclose(f) != 0 || rename(tmp, output) != 0) {
        fprintf(stderr, "ch-integrity: cannot write %s\n", output);
        (void)remove(tmp);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s MODULE OUTPUT | %s --check MODULE\n", argv[0], argv[0]);
        return 2;
    }
    if (ch_crypto_init() != CKR_OK) {
        fprintf(stderr, "ch-integrity: crypto initialisation failed\n");
        return 1;
    }
    if (strcmp(argv[1], "--check") == 0) {
        CK_RV rv = ch_fips_integrity_check_file(argv[2]);
        if (rv == CKR_OK)
            printf("%s: integrity OK\n", argv[2]);
        else
            fprintf(stderr, "%s: integrity check FAILED (%s)\n", argv[2],
                    rv == CKR_DEVICE_ERROR ? "no sidecar" : "mismatch or unreadable");
        rc = rv == CKR_OK ? 0 : 1;
    } else {
        rc = write_sidecar(argv[1], argv[2]);
    }
    ch_crypto_fini();
    return rc;
}
