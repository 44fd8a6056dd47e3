// SPDX-License-Identifier: Apache-2.0
// M-ICE: libxml2 for Swift. Debian's libxml2 is built with ICU; its headers would pull in the
// system ICU's unicode/*.h, which clash with Foundation's own ICU module. Nothing here needs the
// ICU converter types, so the switch is turned off before the parser headers are read.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
