/* SPDX-License-Identifier: Apache-2.0 */
/* M-ICE: Modular Intrusion Detection and Countermeasure Environment */

/*
 * A filter module in the style of the original M-ICE module API (a libtool module exporting
 * <name>_LTX_init, <name>_LTX_func and <name>_LTX_close), written for the tests of mice-ltx-shim.
 *
 * init(conffile) reads an INI-style file: PATTERN = text to drop (default DROPME), LAYOUT = seed or
 * 0.2 (default 0.2, the record the last original code used). It returns -1 when the file cannot
 * be read or when it is called twice without close (as most original modules do), else 0.
 * func(rec, fileType) returns 1 (drop) when the log data contains PATTERN, 0 (keep) otherwise,
 * and -1 (error, kept) for a file type other than FTF_FILE, like mice_mod_flt_regex.
 * Every entry point says on stderr that it was called.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define FTF_FILE 0x01

/* The seed guide's LogFormat (1688 bytes). */
typedef struct {
    char cHost[256];
    char cDomain[256];
    char cIP[30];
    char cOSystem[20];
    char cRelease[20];
    char cVersion[20];
    char cDate[30];
    char cTime[30];
    char cLogLine[1024];
    unsigned short sChkSum;
} LogFormatSeed;

/* The 0.2 LogFormat (6608 bytes); the structured union is kept opaque here. */
typedef struct {
    char cHost[256];
    char cDomain[256];
    char cIP[30];
    char cOSystem[20];
    char cRelease[20];
    char cVersion[20];
    char cDate[30];
    char cTime[30];
    char cTimezone[30];
    int iDaylight;
    char cLogdata[4096];
    unsigned int uiFileType;
    unsigned int uiPseudonymized;
    union {
        char raw[1804];
        int align;
    } logtype;
    unsigned short sChkSum;
} LogFormat02;

_Static_assert(sizeof(LogFormatSeed) == 1688, "seed LogFormat is 1688 bytes");
_Static_assert(sizeof(LogFormat02) == 6608, "0.2 LogFormat is 6608 bytes");

int mice_mod_flt_test_LTX_init(char *conffile);
int mice_mod_flt_test_LTX_func(void *rec, u_int fileType);
int mice_mod_flt_test_LTX_close(void);

static int initialised;
static char pattern[256];
static int seed_layout;
static unsigned long calls, drops;

static char *trim(char *text) {
    while (*text == ' ' || *text == '\t') text++;
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    return text;
}

int mice_mod_flt_test_LTX_init(char *conffile) {
    if (initialised) {
        fprintf(stderr, "E! mice_mod_flt_test: init called twice without close\n");
        return -1;
    }
    FILE *file = fopen(conffile, "r");
    if (file == NULL) {
        fprintf(stderr, "E! mice_mod_flt_test: init(\"%s\"): cannot open the config file\n", conffile);
        return -1;
    }
    snprintf(pattern, sizeof pattern, "DROPME");
    seed_layout = 0;
    char line[512];
    while (fgets(line, sizeof line, file) != NULL) {
        char *text = trim(line);
        if (text[0] == '#' || text[0] == ';' || text[0] == '[' || text[0] == '\0') continue;
        char *equals = strchr(text, '=');
        if (equals == NULL) continue;
        *equals = '\0';
        char *key = trim(text);
        char *value = trim(equals + 1);
        if (strcmp(key, "PATTERN") == 0 && value[0] != '\0') snprintf(pattern, sizeof pattern, "%s", value);
        if (strcmp(key, "LAYOUT") == 0) seed_layout = strcmp(value, "seed") == 0;
    }
    fclose(file);
    initialised = 1;
    calls = drops = 0;
    fprintf(stderr, "I! mice_mod_flt_test: init(\"%s\"): PATTERN \"%s\", LAYOUT %s\n", conffile, pattern,
            seed_layout ? "seed" : "0.2");
    return 0;
}

int mice_mod_flt_test_LTX_func(void *rec, u_int fileType) {
    calls++;
    if (fileType != FTF_FILE) return -1;
    const char *data;
    size_t size;
    if (seed_layout) {
        data = ((LogFormatSeed *)rec)->cLogLine;
        size = sizeof ((LogFormatSeed *)rec)->cLogLine;
    } else {
        data = ((LogFormat02 *)rec)->cLogdata;
        size = sizeof ((LogFormat02 *)rec)->cLogdata;
    }
    /* The field need not be NUL-terminated: search only inside it. */
    size_t len = strnlen(data, size), plen = strlen(pattern);
    for (size_t i = 0; plen <= len && i <= len - plen; i++) {
        if (memcmp(data + i, pattern, plen) == 0) {
            drops++;
            return 1;
        }
    }
    return 0;
}

int mice_mod_flt_test_LTX_close(void) {
    fprintf(stderr, "I! mice_mod_flt_test: close(): %lu calls, %lu dropped\n", calls, drops);
    initialised = 0;
    return 0;
}
