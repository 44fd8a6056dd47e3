// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#define _GNU_SOURCE
#include "CMICEReaction.h"

#include <errno.h>
#include <sched.h>

int mice_setns_net(int fd) {
    return setns(fd, CLONE_NEWNET) == 0 ? 0 : errno;
}
