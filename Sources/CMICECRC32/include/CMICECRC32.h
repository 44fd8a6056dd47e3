// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// Carry-less multiplication (PCLMULQDQ) folding for CRC-32 (IEEE, reflected): the bulk of a
// buffer is folded 16 bytes at a time into one 128-bit remainder with the same CRC, which the
// caller finishes with its table. Keep this file minimal: the CRC itself lives in Swift
// (MICETransport's CRC32), this only does what Swift cannot express (the instruction).

#ifndef CMICECRC32_H
#define CMICECRC32_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU has PCLMULQDQ and SSE4.1, so mice_crc32_fold may be called; 0 otherwise.
int mice_crc32_fold_available(void);

/// Folds `blocks` (at least 1) 16-byte blocks at `data` into 16 bytes at `out`, after XOR-ing
/// `state` (the CRC register, i.e. the complemented CRC so far) into the first 4 bytes: the
/// table CRC of `out` from a zero register equals the table CRC of the blocks from `state`.
/// `k` holds the four fold constants (x^575, x^511, x^191, x^127 mod P, see CRC32.swift).
void mice_crc32_fold(uint32_t state, const uint8_t *data, size_t blocks, const uint64_t k[4], uint8_t out[16]);

#endif
