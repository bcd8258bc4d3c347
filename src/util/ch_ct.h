/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time helpers (util layer). Every helper here runs in time independent of the values
 * of its arguments; a value barrier stops the compiler from turning masks back into branches
 * (the discussion atop mlkem-native's verify.h explains why this is needed with modern
 * compilers). CH_CT_SECRET/CH_CT_PUBLIC mark memory for the valgrind-based checker in tests/ct:
 * in a build with -DCH_CT_TESTING they become memcheck client requests, else nothing. */
#ifndef CH_CT_H
#define CH_CT_H

#include <stddef.h>
#include <stdint.h>

#ifdef CH_CT_TESTING
#include <valgrind/memcheck.h>
#define CH_CT_SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define CH_CT_PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define CH_CT_SECRET(p, n) ((void)(p), (void)(n))
#define CH_CT_PUBLIC(p, n) ((void)(p), (void)(n))
#endif

/* Hide x from the optimizer: after this the compiler cannot reason about its value. */
static inline uint32_t ch_ct_barrier_u32(uint32_t x)
{
#if defined(__GNUC__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

static inline uint64_t ch_ct_barrier_u64(uint64_t x)
{
#if defined(__GNUC__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

/* 0xFFFFFFFF if x != 0, else 0. */
static inline uint32_t ch_ct_mask_nonzero_u32(uint32_t x)
{
    uint32_t y = ch_ct_barrier_u32(x);
    return (uint32_t)0 - ((y | ((uint32_t)0 - y)) >> 31);
}

/* 0xFFFFFFFF if a == b, else 0. */
static inline uint32_t ch_ct_mask_eq_u32(uint32_t a, uint32_t b)
{
    return ~ch_ct_mask_nonzero_u32(a ^ b);
}

/* mask ? a : b, for mask all-ones or zero. */
static inline uint32_t ch_ct_select_u32(uint32_t mask, uint32_t a, uint32_t b)
{
    return b ^ (ch_ct_barrier_u32(mask) & (a ^ b));
}

/* Returns 0xFF if the n bytes at a and b are equal, else 0; reads all n bytes whatever they are. */
static inline uint8_t ch_ct_eq_mask(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a;
    const uint8_t *y = (const uint8_t *)b;
    uint32_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint32_t)(x[i] ^ y[i]);
    return (uint8_t)(~ch_ct_mask_nonzero_u32(d) & 0xFFu);
}

/* 1 if equal, 0 if not: for MACs, tags and PIN verifiers (never memcmp). */
static inline int ch_ct_eq(const void *a, const void *b, size_t n)
{
    return ch_ct_eq_mask(a, b, n) & 1;
}

/* If mask is 0xFF copy n bytes from src to dst, if 0 leave dst; constant time either way. */
static inline void ch_ct_cmov(void *dst, const void *src, size_t n, uint8_t mask)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    uint8_t m = (uint8_t)ch_ct_barrier_u32(mask);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(d[i] ^ (m & (d[i] ^ s[i])));
}

#endif
