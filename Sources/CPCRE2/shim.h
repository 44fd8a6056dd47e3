// SPDX-License-Identifier: Apache-2.0
// M-ICE: PCRE2 (8-bit code units) for Swift; the _8 function names are imported directly.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
