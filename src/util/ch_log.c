/* SPDX-License-Identifier: Apache-2.0 */
/* ch_log: one line per message, prefixed with the level and pid, to stderr or a file. */
#include "util/ch_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static enum ch_log_level log_level = CH_LOG_WARN;
static FILE *log_out; /* NULL: stderr */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void ch_log_setup(enum ch_log_level level, const char *file)
{
    pthread_mutex_lock(&log_lock);
    log_level = level;
    if (log_out != NULL) {
        fclose(log_out);
        log_out = NULL;
    }
    if (file != NULL && file[0] != '\0')
        log_out = fopen(file, "a");
    pthread_mutex_unlock(&log_lock);
}

void ch_log(enum ch_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    if (level > log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    FILE *o = log_out != NULL ? log_out : stderr;
    fprintf(o, "craton-hsm[%ld] %s: %s\n", (long)getpid(), names[level], msg);
    fflush(o);
    pthread_mutex_unlock(&log_lock);
}
