// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// setns(2) needs _GNU_SOURCE, which Swift's Glibc module does not define: a wrapper only.

#ifndef CMICEREACTION_H
#define CMICEREACTION_H

/// setns(fd, CLONE_NEWNET) for the calling thread. Returns 0 or an errno value.
int mice_setns_net(int fd);

#endif
