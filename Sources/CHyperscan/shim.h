// SPDX-License-Identifier: Apache-2.0
// M-ICE: Hyperscan for Swift (libhyperscan-dev; pkg-config libhs adds -I/usr/include/hs).
#include <hs.h>
