/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: see vec_json.h. */
#include "vec_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ch_vec_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

cJSON *ch_vec_load(const char *path)
{
    char *text = ch_vec_read_file(path);
    if (text == NULL) {
        fprintf(stderr, "%s: cannot read\n", path);
        return NULL;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (root == NULL)
        fprintf(stderr, "%s: not valid JSON\n", path);
    return root;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *ch_vec_unhex(const char *hex, size_t *len)
{
    *len = 0;
    if (hex == NULL)
        return NULL;
    size_t n = strlen(hex);
    if (n % 2 != 0)
        return NULL;
    uint8_t *out = malloc(n / 2 + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

bool ch_vec_hex(const cJSON *o, const char *name, uint8_t **out, size_t *len)
{
    *out = ch_vec_unhex(ch_vec_str(o, name), len);
    return *out != NULL;
}

const char *ch_vec_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long ch_vec_num(const cJSON *o, const char *name, long dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

struct ch_vec_buf ch_vec_field(const cJSON *o, const char *name)
{
    struct ch_vec_buf b;
    b.p = ch_vec_unhex(ch_vec_sval(o, name), &b.len);
    if (b.p == NULL) {
        b.p = malloc(1);
        b.len = 0;
        if (b.p == NULL)
            abort();
    }
    return b;
}

const char *ch_vec_sval(const cJSON *o, const char *name)
{
    const char *v = ch_vec_str(o, name);
    return v != NULL ? v : "";
}
