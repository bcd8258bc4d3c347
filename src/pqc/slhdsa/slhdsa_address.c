/* SPDX-License-Identifier: Apache-2.0 */
/* SLH-DSA addresses: the 32-byte ADRS of FIPS 205 §4.2 (Table 1 member functions) and its
 * 22-byte compressed form ADRSc used by the SHA2 instantiations (§11.2, Figure 18). pqc layer;
 * addresses are public values. Layout: layer [0:4], tree [4:16], type [16:20], key pair
 * [20:24], chain / tree height [24:28], hash / tree index [28:32], all big-endian. */
#include <string.h>

#include "pqc/slhdsa/slhdsa_internal.h"

static void put32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)(x >> 24);
    p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);
    p[3] = (uint8_t)x;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void ch_slhdsa_adrs_set_layer(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t layer)
{
    put32(adrs, layer);
}

/* toByte(t, 12): every tree index of Table 2 fits in 64 bits, so the top 4 bytes are zero. */
void ch_slhdsa_adrs_set_tree(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint64_t tree)
{
    put32(adrs + 4, 0);
    put32(adrs + 8, (uint32_t)(tree >> 32));
    put32(adrs + 12, (uint32_t)tree);
}

void ch_slhdsa_adrs_set_type_and_clear(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t type)
{
    put32(adrs + 16, type);
    memset(adrs + 20, 0, 12);
}

void ch_slhdsa_adrs_set_keypair(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i)
{
    put32(adrs + 20, i);
}

uint32_t ch_slhdsa_adrs_get_keypair(const uint8_t adrs[CH_SLHDSA_ADRS_BYTES])
{
    return get32(adrs + 20);
}

void ch_slhdsa_adrs_set_chain(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i)
{
    put32(adrs + 24, i);
}

void ch_slhdsa_adrs_set_tree_height(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t z)
{
    put32(adrs + 24, z);
}

void ch_slhdsa_adrs_set_hash(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i)
{
    put32(adrs + 28, i);
}

void ch_slhdsa_adrs_set_tree_index(uint8_t adrs[CH_SLHDSA_ADRS_BYTES], uint32_t i)
{
    put32(adrs + 28, i);
}

uint32_t ch_slhdsa_adrs_get_tree_index(const uint8_t adrs[CH_SLHDSA_ADRS_BYTES])
{
    return get32(adrs + 28);
}

void ch_slhdsa_adrs_compress(uint8_t out[CH_SLHDSA_ADRSC_BYTES],
                             const uint8_t adrs[CH_SLHDSA_ADRS_BYTES])
{
    out[0] = adrs[3];
    memcpy(out + 1, adrs + 8, 8);
    out[9] = adrs[19];
    memcpy(out + 10, adrs + 20, 12);
}
