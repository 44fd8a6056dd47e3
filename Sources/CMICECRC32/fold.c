// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#include "CMICECRC32.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

int mice_crc32_fold_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_PCLMUL) && (ecx & bit_SSE4_1) ? 1 : 0;
}

// One fold: the 128-bit value `a`, moved `distance` bits later, as a 128-bit value there.
__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold(__m128i a, __m128i constants) {
    __m128i low = _mm_clmulepi64_si128(a, constants, 0x00);
    __m128i high = _mm_clmulepi64_si128(a, constants, 0x11);
    return _mm_xor_si128(low, high);
}

__attribute__((target("pclmul,sse4.1"))) void mice_crc32_fold(
    uint32_t state, const uint8_t *data, size_t blocks, const uint64_t k[4], uint8_t out[16]) {
    // Lane 0 of a block holds its first 8 bytes (the higher powers of x), lane 1 the next 8.
    const __m128i by4 = _mm_set_epi64x((long long)k[1], (long long)k[0]);
    const __m128i by1 = _mm_set_epi64x((long long)k[3], (long long)k[2]);
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)data), _mm_cvtsi32_si128((int)state));
    data += 16;
    blocks -= 1;
    if (blocks >= 7) {
        __m128i x1 = _mm_loadu_si128((const __m128i *)data);
        __m128i x2 = _mm_loadu_si128((const __m128i *)(data + 16));
        __m128i x3 = _mm_loadu_si128((const __m128i *)(data + 32));
        data += 48;
        blocks -= 3;
        while (blocks >= 4) {
            x0 = _mm_xor_si128(fold(x0, by4), _mm_loadu_si128((const __m128i *)data));
            x1 = _mm_xor_si128(fold(x1, by4), _mm_loadu_si128((const __m128i *)(data + 16)));
            x2 = _mm_xor_si128(fold(x2, by4), _mm_loadu_si128((const __m128i *)(data + 32)));
            x3 = _mm_xor_si128(fold(x3, by4), _mm_loadu_si128((const __m128i *)(data + 48)));
            data += 64;
            blocks -= 4;
        }
        x0 = _mm_xor_si128(fold(x0, by1), x1);
        x0 = _mm_xor_si128(fold(x0, by1), x2);
        x0 = _mm_xor_si128(fold(x0, by1), x3);
    }
    while (blocks > 0) {
        x0 = _mm_xor_si128(fold(x0, by1), _mm_loadu_si128((const __m128i *)data));
        data += 16;
        blocks -= 1;
    }
    _mm_storeu_si128((__m128i *)out, x0);
}

#else

int mice_crc32_fold_available(void) { return 0; }

void mice_crc32_fold(uint32_t state, const uint8_t *data, size_t blocks, const uint64_t k[4], uint8_t out[16]) {
    (void)state;
    (void)data;
    (void)blocks;
    (void)k;
    (void)out;
}

#endif
