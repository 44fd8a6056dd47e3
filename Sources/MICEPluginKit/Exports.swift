// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// A module imports the SDK alone: the configuration values and protocol constants come with it.
@_exported import MICECore
@_exported import MICEWire
