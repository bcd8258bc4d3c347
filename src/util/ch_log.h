/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostic log of the module (not the audit log). Messages never contain PINs, keys or other
 * secrets: callers pass only fixed text, codes, handles and labels. */
#ifndef CH_LOG_H
#define CH_LOG_H

#include "util/ch_config.h"

void ch_log_setup(enum ch_log_level level, const char *file);
void ch_log(enum ch_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
