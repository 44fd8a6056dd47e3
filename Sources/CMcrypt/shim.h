// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment
//
// libmcrypt (Debian package libmcrypt-dev), used only for the legacy Twofish CFB-8 record mode.

#ifndef MICE_CMCRYPT_SHIM_H
#define MICE_CMCRYPT_SHIM_H

#include <mcrypt.h>

#endif
