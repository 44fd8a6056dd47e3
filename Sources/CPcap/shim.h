// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment
//
// libpcap (Debian package libpcap-dev): capture files (pcap, pcapng), live interfaces, BPF filters.

#ifndef MICE_CPCAP_SHIM_H
#define MICE_CPCAP_SHIM_H

#include <stdio.h>
#include <pcap/pcap.h>

#endif
